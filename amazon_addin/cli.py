"""Command line (SPEC §6): JSON on stdout (UTF-8), French text on stderr, stable exit codes."""

from __future__ import annotations

import argparse
import json
import os
import sys

from . import findings as F
from .errors import AddinError

SHOWN_FINDINGS = 20


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse's own English usage errors, said in French
        self.print_usage(sys.stderr)
        sys.stderr.write(f"amazon-addin : commande incorrecte ({message}).\n")
        raise SystemExit(2)


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="amazon-addin", description="Importe les commandes Amazon dans Gestan.")
    p.add_argument("--config", help="fichier de paramètres (par défaut ./amazon_addin.toml)")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)
    v = sub.add_parser("verifier", help="vérifie un rapport de commandes Amazon")
    v.add_argument("export", help="rapport Amazon (.txt, .csv, .xlsx, .xls)")
    v.add_argument("--json", action="store_true", help="résultat en JSON sur la sortie standard")
    v.add_argument("--config", dest="config_sub", help=argparse.SUPPRESS)
    return p


def _summary(result) -> str:
    counts = result.counts
    lines = [
        f"{result.order_count} commande(s), {len(result.rows)} ligne(s) lues.",
        f"{counts[F.ERROR]} erreur(s), {counts[F.WARNING]} avertissement(s), {counts[F.INFO]} information(s).",
    ]
    for f in result.findings[:SHOWN_FINDINGS]:
        where = f.cell or f"ligne {f.row}"
        sugg = f" → {f.suggestion}" if f.suggestion is not None else ""
        lines.append(f"  {where:>7} [{F.SEVERITY_FR[f.severity]}] {f.code} : {f.message}{sugg}")
    if len(result.findings) > SHOWN_FINDINGS:
        lines.append(f"  … et {len(result.findings) - SHOWN_FINDINGS} autre(s) (--json pour tout voir).")
    if result.has_errors:
        lines.append("Des erreurs bloquent l'intégration : corrigez les cellules signalées.")
    else:
        lines.append("Aucune erreur : le fichier peut être intégré.")
    return "\n".join(lines)


def cmd_verifier(args) -> int:
    from .settings import load
    from .verify import verify_file

    settings = load(args.config_sub or args.config)
    result = verify_file(args.export, settings)
    if args.json:
        out = {"findings": [f.to_dict() for f in result.findings], "orders": result.order_count}
        sys.stdout.write(json.dumps(out, ensure_ascii=False, indent=1) + "\n")
    sys.stderr.write(_summary(result) + "\n")
    return 1 if result.has_errors else 0


def main(argv: list[str] | None = None) -> int:
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(encoding="utf-8")
    args = _parser().parse_args(argv)
    try:
        return {"verifier": cmd_verifier}[args.command](args)
    except AddinError as exc:
        sys.stderr.write(exc.message + "\n")
        return exc.exit_code
    except KeyboardInterrupt:
        sys.stderr.write("Interrompu.\n")
        return 130
    except MemoryError:
        sys.stderr.write("Mémoire insuffisante pour lire ce fichier.\n")
        return 2
    except Exception as exc:  # last resort: a user never sees a traceback
        if os.environ.get("AMAZON_ADDIN_DEBUG"):
            raise
        sys.stderr.write(f"Erreur interne inattendue ({type(exc).__name__}) : relancez avec "
                         "AMAZON_ADDIN_DEBUG=1 et signalez ce message.\n")
        return 2


if __name__ == "__main__":
    sys.exit(main())
