"""`python -m iaas_billing.cli`: the `iaas-billing` command."""

import sys

from iaas_billing.cli.main import main

sys.exit(main())
