"""Run by Superset's own python (iaas_billing.cli.bi): the admin login, then the dashboards bundle imported.

One process, one app start: the admin is created (or its password reset to the one of .local/superset), the
bundle imported with Superset's own import commands, and each chart's saved query context pointed at its
dataset's id in this metadata database (an export carries the exporter's ids), so that /api/v1/chart/<id>/data/
answers for every chart. `superset import-dashboards` (ImportDashboardsCommand) never overwrites a connection,
dataset or chart that exists, only the dashboards: the connections, datasets and charts are imported first,
each with its own command and overwrite, so that a changed bundle or warehouse URI replaces what was there.
"""

import argparse
import json
import os
import sys
from zipfile import ZipFile


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--bundle", required=True)
    parser.add_argument("--admin", required=True)
    args = parser.parse_args()

    from superset.app import create_app

    app = create_app()
    with app.app_context():
        from flask import g
        from superset import db, security_manager
        from superset.commands.chart.importers.v1 import ImportChartsCommand
        from superset.commands.dashboard.importers.dispatcher import ImportDashboardsCommand
        from superset.commands.database.importers.v1 import ImportDatabasesCommand
        from superset.commands.dataset.importers.v1 import ImportDatasetsCommand
        from superset.commands.importers.v1.utils import get_contents_from_bundle
        from superset.models.slice import Slice

        password = os.environ["SUPERSET_ADMIN_PASSWORD"]
        user = security_manager.find_user(username=args.admin)
        if user is None:
            user = security_manager.add_user(args.admin, "Billing", "Admin", f"{args.admin}@localhost",
                                             security_manager.find_role("Admin"), password=password)
            if not user:
                print("could not create the admin user", file=sys.stderr)
                return 1
        else:
            security_manager.reset_password(user.id, password)
        g.user = user
        with ZipFile(args.bundle) as archive:
            contents = get_contents_from_bundle(archive)
        # a metadata.yaml without its type: each model's command accepts the bundle
        untyped = {**contents, "metadata.yaml": "version: 1.0.0\n"}
        for command in (ImportDatabasesCommand, ImportDatasetsCommand, ImportChartsCommand):
            command(untyped, overwrite=True).run()
        ImportDashboardsCommand(contents, overwrite=True).run()
        for chart in db.session.query(Slice).all():
            if chart.query_context:
                context = json.loads(chart.query_context)
                context["datasource"] = {"id": chart.datasource_id, "type": chart.datasource_type}
                context.setdefault("form_data", {})["datasource"] = f"{chart.datasource_id}__table"
                context["form_data"]["slice_id"] = chart.id
                chart.query_context = json.dumps(context)
        db.session.commit()
    return 0


if __name__ == "__main__":
    sys.exit(main())
