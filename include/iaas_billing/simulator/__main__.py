"""`python -m iaas_billing.simulator --out DIR ...`, the same as `iaas-billing simulate`."""

from iaas_billing.simulator.command import main

raise SystemExit(main())
