"""Command line (SPEC §6): JSON on stdout (UTF-8), French text on stderr, stable exit codes."""

from __future__ import annotations

import argparse
import json
import os
import sys

from . import findings as F
from pathlib import Path

from .errors import AddinError, SettingsError

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

    def command(name, help_, export=False, db=True, json_=False):
        c = sub.add_parser(name, help=help_)
        if export:
            c.add_argument("export", help="rapport Amazon (.txt, .csv, .xlsx, .xls)")
        if db:
            c.add_argument("--db", help="adresse de la base Gestan (par défaut le paramètre « base »)")
        if json_:
            c.add_argument("--json", action="store_true", help="résultat en JSON sur la sortie standard")
        c.add_argument("--config", dest="config_sub", help=argparse.SUPPRESS)
        return c

    ver = command("verifier", "vérifie un rapport de commandes Amazon", export=True, json_=True)
    ver.add_argument("--out", help="écrit une copie .xlsx colorée et annotée comme dans Excel")
    ver.add_argument("--appliquer", action="store_true", help="avec --out : écrit aussi chaque suggestion (en vert)")
    command("integrer", "intègre un rapport de commandes dans Gestan", export=True, json_=True)
    init = command("init-db", "crée le schéma de référence Gestan")
    init.add_argument("--demo", action="store_true", help="ajoute des produits et codes postaux de démonstration")
    command("check-db", "vérifie que la base a toutes les tables et colonnes attendues")
    command("demo", "tout le parcours sur un export d'exemple, dans ./demo-gestan.db", db=False)
    command("build-workbook", "reconstruit workbook/AmazonImport.xlsm et .xlam à partir des sources", db=False)
    inst = command("installer-excel", "règle Excel sous Windows : complément AmazonImport et Python à utiliser",
                   db=False)
    inst.add_argument("--classeur", metavar="DOSSIER",
                      help="copie aussi AmazonImport.xlsm dans ce dossier (s'il n'y est pas) et y écrit xlwings.conf")
    inst.add_argument("--desinstaller", action="store_true", help="défait ce que installer-excel a écrit")
    return p


def _settings(args):
    from .settings import load

    return load(getattr(args, "config_sub", None) or args.config)


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


def _print_json(data) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=1) + "\n")


def _findings_json(result) -> dict:
    return {"findings": [f.to_dict() for f in result.findings], "orders": result.order_count}


def cmd_verifier(args) -> int:
    from dataclasses import replace

    from .verify import read

    settings = _settings(args)
    if args.db:
        settings = replace(settings, base=args.db, base_explicite=True)
    if args.appliquer and not args.out:
        raise SettingsError("L'option --appliquer demande --out COPIE.xlsx : l'export d'origine n'est jamais modifié.")
    if args.out:
        result = _verify_to_copy(args, settings)
    else:
        from .checks import verify_table

        table = read(args.export, settings)
        facts = None
        if settings.base_explicite:
            from .gestan import read_facts  # SQLAlchemy is imported only when a base is named

            facts = read_facts(settings, table)
        result = verify_table(table, settings, facts)
    if args.json:
        _print_json(_findings_json(result))
    sys.stderr.write(_summary(result) + "\n")
    return 1 if result.has_errors else 0


def _verify_to_copy(args, settings):
    """The same functions as the ribbon, on a headless workbook saved as the annotated copy."""
    from .excel import addin as A
    from .excel import engine as E
    from .ribbon import facts_reader, verify_book

    out = Path(args.out)
    if out.suffix.lower() != ".xlsx":
        raise SettingsError("La copie annotée (--out) doit être un fichier .xlsx.")
    E.activate()
    book = E.new_book()
    book.sheets[0].name = A.ORDER_SHEET
    A.load_export(book, args.export, settings)
    result = verify_book(book, settings)
    if result.notice:  # the command line keeps its contract: a named base that cannot be read is exit 3
        raise SettingsError(result.notice)
    if args.appliquer:  # Corriger's own function: the copy shows what remains after the corrections
        from .excel.corriger import run_corriger

        run_corriger(book, settings, facts_for=facts_reader(settings))
    try:
        book.save(str(out))
    except OSError as exc:
        raise SettingsError(f"La copie « {out} » ne peut pas être écrite ({exc.strerror}).")
    finally:
        book.close()
    return result


def _integration_text(summary) -> str:
    lines = [f"{len(summary.invoices)} facture(s) créée(s), {len(summary.skipped)} commande(s) déjà intégrée(s) "
             "passée(s).",
             f"{summary.customers_created} client(s), {summary.products_created} produit(s), "
             f"{summary.postal_codes_added} code(s) postal(aux) ajouté(s) ; {summary.stock_movements} mouvement(s) "
             "de stock."]
    for inv in summary.invoices[:SHOWN_FINDINGS]:
        lines.append(f"  {inv['numero']}  commande {inv['commande']}")
    for a in summary.alerts:
        lines.append(f"  Alerte stock {a.code} « {a.libelle} » : {a.stock_avant} → {a.stock_apres} "
                     f"(seuil {a.stock_alerte})")
    return "\n".join(lines)


def cmd_integrer(args, out=None) -> int:
    from sqlalchemy.exc import SQLAlchemyError

    from .gestan import open_gestan
    from .gestan.connect import describe_error, display_url
    from .gestan.integrate import Blocked, file_sha256, integrate_table
    from .verify import read

    settings = _settings(args)
    table = read(args.export, settings)
    engine, schema = open_gestan(settings, args.db)
    try:
        summary = integrate_table(engine, schema, table, settings, file_name=Path(args.export).name,
                                  sha256=file_sha256(args.export))
    except Blocked as blocked:
        if args.json:
            _print_json(_findings_json(blocked.verification))
        sys.stderr.write(_summary(blocked.verification) + "\nRien n'a été écrit dans Gestan.\n")
        return 1
    except SQLAlchemyError as exc:
        raise SettingsError(describe_error(exc, display_url(engine)))
    finally:
        engine.dispose()
    if args.json:
        _print_json(summary.to_dict())
    sys.stderr.write(_summary(summary.verification) + "\n" + _integration_text(summary) + "\n")
    return 0


def cmd_init_db(args) -> int:
    from .gestan import open_gestan
    from .gestan.admin import init_db

    settings = _settings(args)
    engine, schema = open_gestan(settings, args.db, must_exist=False)
    try:
        report = init_db(engine, schema, settings, demo=args.demo)
    finally:
        engine.dispose()
    created = ", ".join(report.tables_created) or "aucune (toutes présentes)"
    sys.stderr.write(f"Tables créées : {created}.\n")
    if report.rows_added:
        sys.stderr.write("Ajouté : " + ", ".join(report.rows_added) + ".\n")
    return 0


def cmd_check_db(args) -> int:
    from .gestan import open_gestan
    from .gestan.admin import check_db

    settings = _settings(args)
    engine, schema = open_gestan(settings, args.db, read_only=True)
    try:
        missing = check_db(engine, schema)
    finally:
        engine.dispose()
    if not missing:
        sys.stderr.write("La base Gestan a toutes les tables et colonnes attendues.\n")
        return 0
    for table, column in missing:
        if column is None:
            sys.stderr.write(f"Table manquante : {table}\n")
        else:
            sys.stderr.write(f"Colonne manquante : {table}.{column}\n")
    return 1


def cmd_demo(args) -> int:
    from . import demo

    export = demo.write_export(Path("demo-commandes.txt"))
    base = Path("demo-gestan.db")
    if base.exists():
        base.unlink()  # the demo always starts from a fresh base, and never touches `base`
    url = f"sqlite:///{base}"
    sys.stderr.write(f"Export d'exemple : {export} ; base de démonstration : {base}\n\n== init-db --demo\n")
    ns = argparse.Namespace(config=args.config, config_sub=args.config_sub, db=url, json=False, export=str(export),
                            out=None, appliquer=False)
    cmd_init_db(argparse.Namespace(**vars(ns), demo=True))
    sys.stderr.write("\n== verifier\n")
    cmd_verifier(ns)
    sys.stderr.write("\n== integrer\n")
    code = cmd_integrer(ns)
    sys.stderr.write("\n== integrer (deuxième fois : rien de nouveau)\n")
    cmd_integrer(ns)
    sys.stderr.write(f"\nRegardez le résultat : sqlite3 {base} 'select numero, date, commande, total_ttc from factures'\n")
    return code


def cmd_build_workbook(args) -> int:
    from .excel.build import build_workbook

    for path in build_workbook():
        sys.stderr.write(f"Écrit : {path}\n")
    return 0


def cmd_installer_excel(args) -> int:
    from .excel import install

    if args.desinstaller and args.classeur:
        raise SettingsError("--desinstaller défait toute l'installation, classeurs compris : sans --classeur.")
    said = install.uninstall() if args.desinstaller else install.install(args.classeur)
    sys.stderr.write("\n".join(said) + "\n")
    return 0


COMMANDS = {"verifier": cmd_verifier, "integrer": cmd_integrer, "init-db": cmd_init_db, "check-db": cmd_check_db,
            "demo": cmd_demo, "build-workbook": cmd_build_workbook, "installer-excel": cmd_installer_excel}


def main(argv: list[str] | None = None) -> int:
    import logging

    from . import audit

    # Libraries log to stderr when nothing is configured (SQLAlchemy's pool prints a traceback when it
    # cannot roll back a dead connection, psycopg its pipeline errors); the user gets our one French
    # sentence instead, and the add-in's log keeps the facts.
    logging.getLogger().addHandler(logging.NullHandler())
    audit.setup()
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(encoding="utf-8")
    args = _parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
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
        if type(exc).__module__.startswith("sqlalchemy"):  # a database problem outside integrate's handling
            from .gestan.connect import describe_error

            sys.stderr.write(describe_error(exc, getattr(args, "db", None) or "base") + "\n")
            return 3
        if os.environ.get("AMAZON_ADDIN_DEBUG"):
            raise
        where = audit.unexpected(f"amazon-addin {args.command}", exc)
        sys.stderr.write(f"Erreur interne inattendue ({type(exc).__name__}) : rien n'a été écrit dans Gestan ; "
                         f"{where}. Signalez ce message.\n")
        return 2


if __name__ == "__main__":
    sys.exit(main())
