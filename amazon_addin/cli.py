"""Command line (SPEC §6): JSON on stdout (UTF-8), French text on stderr, stable exit codes."""

from __future__ import annotations

import argparse
import gc
import json
import logging
import os
import sys
from contextlib import contextmanager

from . import findings as F
from pathlib import Path

from .errors import AddinError, SettingsError, os_reason
from .text import plural

SHOWN_FINDINGS = 20


# argparse's own messages (Python 3.11-3.13), in French; argparse looks them up through gettext at run time.
_ARGPARSE_FR = {
    "usage: ": "utilisation : ",
    "positional arguments": "arguments",
    "options": "options",
    "optional arguments": "options",
    "show this help message and exit": "affiche cette aide",
    "the following arguments are required: %s": "argument(s) obligatoire(s) manquant(s) : %s",
    "unrecognized arguments: %s": "argument(s) inconnu(s) : %s",
    "invalid choice: %(value)r (choose from %(choices)s)": "choix %(value)r inconnu (possibles : %(choices)s)",
    "argument %(argument_name)s: %(message)s": "%(argument_name)s : %(message)s",
    "expected one argument": "une valeur est attendue après cette option",
    "expected at most one argument": "une valeur au plus est attendue",
    "expected at least one argument": "une valeur au moins est attendue",
    "expected %s argument": "%s valeur attendue",
    "expected %s arguments": "%s valeurs attendues",
    "ambiguous option: %(option)s could match %(matches)s": "option %(option)s ambiguë (%(matches)s)",
    "not allowed with argument %s": "incompatible avec %s",
    "ignored explicit argument %r": "cette option ne prend pas de valeur (%r)",
    "invalid %(type)s value: %(value)r": "valeur %(value)r invalide",
    "one of the arguments %s is required": "un des arguments %s est obligatoire",
    "unexpected option string: %s": "option inattendue : %s",
    "%(prog)s: error: %(message)s\n": "%(prog)s : %(message)s\n",
}


@contextmanager
def _french_argparse():
    """argparse speaks French while the parser is built and used (its strings go through `argparse._`)."""
    saved = argparse._, argparse.ngettext
    argparse._ = lambda message: _ARGPARSE_FR.get(message, message)
    argparse.ngettext = lambda one, many, n: _ARGPARSE_FR.get(one if n == 1 else many, one if n == 1 else many)
    try:
        yield
    finally:
        argparse._, argparse.ngettext = saved


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # a usage error is a settings problem: exit 3, as the README says
        self.print_usage(sys.stderr)
        sys.stderr.write(f"amazon-addin : commande incorrecte ({message}) ; aide : {self.prog} -h.\n")
        raise SystemExit(3)


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="amazon-addin", description="Importe les commandes Amazon dans Gestan.")
    p.add_argument("--config", help="fichier de paramètres (par défaut ./amazon_addin.toml, sinon "
                                    "~/amazon_addin.toml)")
    p.add_argument("-v", "--verbose", action="store_true", help="dit quels fichiers de paramètres sont lus, "
                                                                "quelle base et quelles attentes")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser, metavar="COMMANDE",
                           title="commandes")

    def command(name, help_, export=False, db=True, json_=False):
        c = sub.add_parser(name, help=help_, description=help_[:1].upper() + help_[1:] + ".")
        if export:
            c.add_argument("export", metavar="EXPORT", help="rapport Amazon (.txt, .csv, .xlsx, .xls)")
        if db:
            c.add_argument("--db", metavar="ADRESSE", help="adresse de la base Gestan (par défaut le paramètre "
                                                           "« base »)")
        if json_:
            c.add_argument("--json", action="store_true", help="résultat en JSON sur la sortie standard")
        c.add_argument("--config", dest="config_sub", help=argparse.SUPPRESS)
        c.add_argument("-v", "--verbose", dest="verbose_sub", action="store_true", help=argparse.SUPPRESS)
        return c

    ver = command("verifier", "vérifie un rapport de commandes Amazon", export=True, json_=True)
    ver.add_argument("--out", metavar="COPIE.xlsx", help="écrit une copie .xlsx colorée et annotée comme dans Excel")
    ver.add_argument("--appliquer", action="store_true", help="avec --out : écrit aussi chaque suggestion (en vert)")
    command("integrer", "intègre un rapport de commandes dans Gestan", export=True, json_=True)
    init = command("init-db", "crée le schéma de référence Gestan")
    init.add_argument("--demo", action="store_true", help="ajoute des produits et codes postaux de démonstration")
    check = command("check-db", "vérifie que la base a toutes les tables et colonnes attendues")
    check.add_argument("--proposer", action="store_true",
                       help="écrit sur la sortie standard une correspondance proposée d'après la base (TOML)")
    av = command("avoir", "fait un avoir total pour chaque facture de commandes ou d'une intégration", json_=True)
    which = av.add_mutually_exclusive_group(required=True)
    which.add_argument("--commande", metavar="COMMANDE", action="append",
                       help="numéro de commande Amazon à créditer (option répétable)")
    which.add_argument("--integration", metavar="N", type=int,
                       help="crédite toutes les factures de l'intégration N (voir « amazon-addin integrations »)")
    av.add_argument("--motif", metavar="TEXTE", help="motif gardé sur chaque avoir (par défaut : annulation de la "
                                                     "facture)")
    command("integrations", "liste les intégrations : date, utilisateur, fichier, SHA-256, factures", json_=True)
    command("demo", "tout le parcours sur un export d'exemple, dans ./demo-gestan.db", db=False)
    build = command("build-workbook", "construit AmazonImport.xlsm et .xlam à partir des sources du dépôt",
                    db=False)
    build.add_argument("--out", metavar="DOSSIER", help="dossier où les écrire (par défaut le dossier courant)")
    inst = command("installer-excel", "règle Excel sous Windows : complément AmazonImport et Python à utiliser",
                   db=False)
    inst.add_argument("--classeur", metavar="DOSSIER",
                      help="copie aussi AmazonImport.xlsm dans ce dossier (s'il n'y est pas) et y écrit xlwings.conf")
    inst.add_argument("--desinstaller", action="store_true", help="défait ce que installer-excel a écrit")
    return p


def _settings(args):
    from .settings import load

    return load(getattr(args, "config_sub", None) or args.config, **getattr(args, "overrides", {}))


def _summary(result, out: str | None = None) -> str:
    """Counts per code first, then the first findings, then where to see them all."""
    counts = result.counts
    lines = [
        f"{result.order_count} commande(s), {len(result.rows)} ligne(s) lues.",
        f"{counts[F.ERROR]} erreur(s), {counts[F.WARNING]} avertissement(s), {counts[F.INFO]} information(s).",
    ]
    lines += F.count_lines(result.findings)
    for f in result.findings[:SHOWN_FINDINGS]:
        where = f.cell or f"ligne {f.row}"
        shown = F.suggestion_text(f)
        sugg = f" → {shown}" if shown is not None else ""
        lines.append(f"  {where:>7} [{F.SEVERITY_FR[f.severity]}] {f.code} : {f.message}{sugg}")
    if len(result.findings) > SHOWN_FINDINGS:
        see = f"dans la copie « {out} »" if out else ": --out annote.xlsx (copie annotée comme dans Excel)"
        lines.append(f"  … et {len(result.findings) - SHOWN_FINDINGS} autre(s) ; tout voir {see}.")
    if any(f.code == F.NoOrders.code for f in result.findings):
        lines.append("Rien à intégrer : le fichier ne contient aucune commande.")
    elif result.has_errors:
        lines.append("Des erreurs bloquent l'intégration : corrigez les cellules signalées.")
    else:
        lines.append("Aucune erreur : le fichier peut être intégré.")
    return "\n".join(lines)


def _print_json(data) -> None:
    # On one line: an indent makes json fall back to its pure-Python encoder (0.35 s for 60k invoices).
    sys.stdout.write(json.dumps(data, ensure_ascii=False) + "\n")


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
    fixed = None
    if args.out:
        result, fixed = _verify_to_copy(args, settings)
    else:
        from .checks import verify_table

        table = read(args.export, settings)
        facts = None
        if settings.base_explicite:
            from .gestan import read_facts  # SQLAlchemy is imported only when a base is named

            facts = read_facts(settings, table)
        result = verify_table(table, settings, facts)
    if args.json:
        _print_json({**_findings_json(result), **({"corrections": fixed} if fixed is not None else {})})
    if fixed is not None:  # --appliquer: what the copy still holds after the corrections
        sys.stderr.write(f"{fixed} cellule(s) corrigée(s) en vert dans « {args.out} » ; ce qu'il y reste :\n")
    sys.stderr.write(_summary(result, args.out) + "\n")
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
    fixed = None
    if args.appliquer:  # Corriger's own function: the copy shows, and the user is told, what remains
        from .excel.corriger import run_corriger

        fixed, result = run_corriger(book, settings, facts_for=facts_reader(settings))
    try:
        book.save(str(out))
    except OSError as exc:
        raise SettingsError(f"La copie « {out} » ne peut pas être écrite : {os_reason(exc)}.")
    finally:
        book.close()
    return result, fixed


def _integration_text(summary) -> str:
    lines = [f"{len(summary.invoices)} facture(s) créée(s), {summary.skipped_text(plural)}.",
             f"{summary.customers_created} client(s), {summary.products_created} produit(s), "
             f"{summary.postal_codes_added} code(s) postal(aux) ajouté(s) ; {summary.stock_movements} mouvement(s) "
             "de stock."]
    for inv in summary.invoices[:SHOWN_FINDINGS]:
        lines.append(f"  {inv['numero']}  commande {inv['commande']}")
    lines += _listed("Produit(s) créé(s)", [f"{p['code']} « {p['libelle']} »" for p in summary.new_products])
    lines += _listed("Code(s) postal(aux) ajouté(s)",
                     [f"{c['pays']} {c['code_postal']} {c['ville']}" for c in summary.new_postal_codes])
    for a in summary.alerts:
        lines.append(f"  Alerte stock {a.code} « {a.libelle} » : {a.stock_avant} → {a.stock_apres} "
                     f"(seuil {a.stock_alerte})")
    return "\n".join(lines)


def _listed(title: str, items: list[str]) -> list[str]:
    if not items:
        return []
    more = f" … et {len(items) - SHOWN_FINDINGS} autre(s) (--json les donne tous)" if len(items) > SHOWN_FINDINGS else ""
    return [f"{title} : " + ", ".join(items[:SHOWN_FINDINGS]) + more + "."]


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
    from .gestan import open_gestan, speaking
    from .gestan.admin import init_db

    settings = _settings(args)
    engine, schema = open_gestan(settings, args.db, must_exist=False)
    with speaking(engine):
        report = init_db(engine, schema, settings, demo=args.demo)
    created = ", ".join(report.tables_created) or "aucune (toutes présentes)"
    sys.stderr.write(f"Tables créées : {created}.\n")
    if report.columns_added:
        sys.stderr.write("Colonnes ajoutées : " + ", ".join(report.columns_added) + ".\n")
    if report.rows_added:
        sys.stderr.write("Ajouté : " + ", ".join(report.rows_added) + ".\n")
    return 0


def cmd_check_db(args) -> int:
    from .gestan import open_gestan, speaking
    from .gestan.admin import check_db

    settings = _settings(args)
    if args.proposer:
        return _propose(settings, args.db)
    engine, schema = open_gestan(settings, args.db, read_only=True)
    with speaking(engine):
        gaps = check_db(engine, schema)
    if not gaps:
        sys.stderr.write("La base Gestan a toutes les tables et colonnes attendues, sous leurs noms exacts.\n")
        return 0
    for gap in gaps:
        sys.stderr.write(gap.sentence + "\n")
    if any(g.found is None and not g.todo for g in gaps):
        sys.stderr.write("« amazon-addin init-db » crée les tables manquantes et ajoute, vides, les colonnes "
                         "facultatives qui manquent ; il ne modifie ni ne supprime jamais rien de ce qui existe.\n")
    return 1


def _propose(settings, db_url) -> int:
    """The proposed mapping on stdout, its gaps on stderr; 1 while any remain."""
    from dataclasses import replace

    from .gestan import open_gestan, speaking
    from .gestan.propose import propose

    engine, _ = open_gestan(replace(settings, mapping=None), db_url, read_only=True)
    with speaking(engine), engine.connect() as conn:
        proposal = propose(conn)
    sys.stdout.write(proposal.text)
    if proposal.gaps:
        sys.stderr.write(f"{len(proposal.gaps)} écart(s) à compléter : " + ", ".join(proposal.gaps) + ".\n")
        return 1
    sys.stderr.write("Correspondance complète : relisez chaque ligne « deviné » avant de l'utiliser.\n")
    return 0


def cmd_avoir(args) -> int:
    from .gestan import open_gestan, speaking
    from .gestan.credit import credit

    settings = _settings(args)
    engine, schema = open_gestan(settings, args.db)
    with speaking(engine):
        summary = credit(engine, schema, settings, orders=args.commande, integration=args.integration,
                         motif=args.motif)
    if args.json:
        _print_json(summary.to_dict())
    lines = [f"{len(summary.credits)} avoir(s) créé(s), datés du {summary.date:%d/%m/%Y} ; "
             f"{summary.stock_movements} mouvement(s) de stock rendu(s)."]
    for c in summary.credits[:SHOWN_FINDINGS]:
        lines.append(f"  {c['avoir']}  annule la facture {c['facture']} (commande {c['commande']}, "
                     f"{format(c['total_ttc'], 'f').replace('.', ',')} {c['devise'] or ''})".rstrip())
    if len(summary.credits) > SHOWN_FINDINGS:
        lines.append(f"  … et {len(summary.credits) - SHOWN_FINDINGS} autre(s) (--json les donne tous).")
    lines.append("Ces commandes peuvent être intégrées à nouveau : leur nouvelle facture sera datée du jour de "
                 "l'intégration.")
    sys.stderr.write("\n".join(lines) + "\n")
    return 0


def cmd_integrations(args) -> int:
    from .gestan import open_gestan, speaking
    from .gestan.credit import integrations

    settings = _settings(args)
    engine, schema = open_gestan(settings, args.db, read_only=True)
    with speaking(engine):
        rows = integrations(engine, schema)
    if args.json:
        _print_json([r.to_dict() for r in rows])
    if not rows:
        sys.stderr.write("Aucune intégration dans cette base.\n")
        return 0
    sys.stderr.write("id | date (UTC) | utilisateur | fichier | SHA-256 | factures | avoirs\n")
    for r in rows:
        when = r.date.strftime("%d/%m/%Y %H:%M:%S") if r.date else "?"
        sys.stderr.write(f"{r.id} | {when} | {r.utilisateur or '?'} | {r.fichier or '?'} | {r.sha256 or '?'} | "
                         f"{r.factures} | {r.avoirs}\n")
    return 0


def cmd_demo(args) -> int:
    from . import demo

    base = Path("demo-gestan.db")
    try:
        export = demo.write_export(Path("demo-commandes.txt"))
        if base.exists():
            base.unlink()  # the demo always starts from a fresh base, and never touches `base`
    except OSError as exc:
        raise SettingsError(f"La démonstration doit écrire dans le dossier courant « {Path.cwd()} », qui le refuse : "
                            f"{os_reason(exc)} ; lancez-la depuis un dossier à vous (ex. cd ~).")
    url = f"sqlite:///{base}"
    sys.stderr.write(f"Export d'exemple : {export} ; base de démonstration : {base}\n\n== init-db --demo\n")
    # The example's buyers are invented: their VAT numbers are not asked of VIES, nothing goes on the network.
    ns = argparse.Namespace(config=args.config, config_sub=args.config_sub, db=url, json=False, export=str(export),
                            out=None, appliquer=False, verbose=args.verbose, verbose_sub=args.verbose_sub,
                            overrides={"vies": "non"})
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

    out = Path(args.out or ".")
    try:
        paths = build_workbook(out)
    except OSError as exc:
        raise SettingsError(f"Le classeur ne peut pas être écrit dans « {out.absolute()} » : {os_reason(exc)}.")
    for path in paths:
        sys.stderr.write(f"Écrit : {path}\n")
    return 0


def _say_details() -> None:
    """--verbose: the settings files read, the base and its waits, one French line each on stderr."""
    from .settings import details

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    details.addHandler(handler)
    details.setLevel(logging.INFO)
    details.propagate = False


def cmd_installer_excel(args) -> int:
    from .excel import install

    if args.desinstaller and args.classeur:
        raise SettingsError("--desinstaller défait toute l'installation, classeurs compris : sans --classeur.")
    said = install.uninstall() if args.desinstaller else install.install(args.classeur)
    sys.stderr.write("\n".join(said) + "\n")
    return 0


COMMANDS = {"verifier": cmd_verifier, "integrer": cmd_integrer, "init-db": cmd_init_db, "check-db": cmd_check_db,
            "avoir": cmd_avoir, "integrations": cmd_integrations,
            "demo": cmd_demo, "build-workbook": cmd_build_workbook, "installer-excel": cmd_installer_excel}


def run() -> None:
    """The command's entry (`amazon-addin`, `python -m amazon_addin`): `main`, then the process ends at once.
    A 100k-row run leaves millions of objects; freeing them one by one at exit costs a few tenths of a second
    and serves no one, the process being over. Everything the command wrote is flushed first; the databases
    were committed or rolled back and their connections closed by the command itself."""
    code = main()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):  # the reader of a pipe went away: nothing more can be said
        code = code or 1
    logging.shutdown()  # the audit log's handlers flushed and closed
    os._exit(code)


def main(argv: list[str] | None = None) -> int:
    from . import audit

    # Libraries log to stderr when nothing is configured (SQLAlchemy's pool prints a traceback when it
    # cannot roll back a dead connection, psycopg its pipeline errors); the user gets our one French
    # sentence instead, and the add-in's log keeps the facts.
    logging.getLogger().addHandler(logging.NullHandler())
    audit.setup()
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(encoding="utf-8")
    with _french_argparse():
        args = _parser().parse_args(argv)
    if args.verbose or getattr(args, "verbose_sub", False):
        _say_details()
    # One short process that builds millions of acyclic cells, orders and rows: the cyclic collector would only
    # rescan them (its passes cost 5 to 10 % of a 100k-row run). Restored after, for callers in a longer process;
    # the Excel process keeps its collector: there, only the reading, the checks and the writing suspend it.
    collecting = gc.isenabled()
    gc.disable()
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
    finally:
        if collecting:
            gc.enable()


if __name__ == "__main__":
    sys.exit(main())
