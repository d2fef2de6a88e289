"""`python -m billing_simulator --out DIR ...`, the same as `iaas-billing simulate`."""

from billing_simulator.command import main

raise SystemExit(main())
