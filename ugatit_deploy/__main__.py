"""``python -m ugatit_deploy`` runs the CLI."""

from .cli import main

main(prog_name="ugatit-deploy")
