"""One table from a driver's or the system's error to the French sentence naming its cause (exit 3).

Each rule matches what drivers give reliably (SQLSTATE, the server's own error number, SQLite's result code,
the errno) and, failing that, a message pattern; the first rule that matches gives the sentence. A local
cause (folder, rights, file) is never called "injoignable". Driver text, which is English, never reaches
the user: an error no rule knows is named by its codes, and its text goes to the audit log.
"""

from __future__ import annotations

import errno as E
import re
from dataclasses import dataclass, field

from ..errors import os_reason

# pyodbc gives "[28000] [ma-3.1.15]Access denied ... (1045) (SQLDriverConnect)": the server's number is the
# last four-digit group in parentheses.
_NATIVE_RE = re.compile(r"\((\d{4})\)(?=[^()]*(?:\(SQL\w+\))?\s*$)")


@dataclass(frozen=True)
class Fault:
    """What is known of one error: its backend family, codes and text (lower case)."""

    kind: str  # postgresql, mysql, sqlite, odbc, os
    sqlstate: str | None
    native: int | None
    text: str


@dataclass(frozen=True)
class Rule:
    cause: str
    sentence: str  # fields: {base}, {name} (the pattern's group), {path}, {host}, {dsn}, {driver}, {drivers}, {log}
    sqlstates: tuple = ()
    natives: dict = field(default_factory=dict)  # kind → server error numbers / result codes / errnos
    pattern: str | None = None
    needs: str | None = None  # a fact of the URL the rule applies to only when known ("dsn", "driver")


_MYSQL, _SQLITE, _OS = "mysql", "sqlite", "os"
_NO_DRIVER = ("Pilote ODBC « {driver} » introuvable sur ce poste (pilotes installés : {drivers}) : corrigez driver= "
              "dans l'adresse, ou installez ce pilote ({base}).")

RULES = (
    Rule("occupée", "La base Gestan est occupée par une autre intégration ; réessayez dans un instant ({base}).",
         sqlstates=("55P03",), natives={_MYSQL: (1205,), _SQLITE: (5, 6)},
         pattern=r"database is locked|lock wait timeout|lock timeout|could not obtain lock|verrouill|bloqué"),
    Rule("délai", "La base Gestan n'a pas terminé une instruction dans le délai permis (paramètre "
                  "attente_verrou_s) : serveur surchargé ou bloqué ; réessayez plus tard ({base}).",
         sqlstates=("57014",), natives={_MYSQL: (1969, 3024)},
         pattern=r"statement timeout|canceling statement|max_statement_time|query execution was interrupted"),
    Rule("silence", "Le serveur de la base Gestan accepte la connexion mais ne répond pas dans le délai permis "
                    "(paramètre attente_verrou_s) : vérifiez que l'adresse et le port sont bien ceux d'un serveur de "
                    "base de données ({base}).",
         sqlstates=("HYT00", "HYT01"),
         pattern=r"timeout expired|reading initial communication packet|handshake|timed out"),
    Rule("mot de passe absent", "Le serveur de la base Gestan demande un mot de passe : écrivez ${{NOM_VARIABLE}} à sa "
                                "place dans l'adresse et définissez cette variable d'environnement ({base}).",
         pattern=r"no password supplied"),
    Rule("mot de passe", "Connexion refusée par la base Gestan : mot de passe incorrect pour l'utilisateur "
                         "« {name} » ({base}).",
         sqlstates=("28P01",), pattern=r'password authentication failed for user "(?P<name>[^"]*)"'),
    Rule("rôle", "Le serveur PostgreSQL ne connaît pas l'utilisateur « {name} » (rôle absent) : corrigez "
                 "l'identifiant dans l'adresse, ou faites créer ce rôle par l'administrateur ({base}).",
         pattern=r'role "(?P<name>[^"]*)" does not exist'),
    Rule("pg_hba", "Le serveur PostgreSQL refuse les connexions de ce poste pour cet utilisateur et cette base "
                   "(règles pg_hba.conf) : l'administrateur doit les autoriser ({base}).",
         pattern=r"no pg_hba\.conf entry"),
    Rule("base absente", "La base « {name} » n'existe pas sur le serveur : faites-la créer par son administrateur, ou "
                         "corrigez son nom dans l'adresse ({base}).",
         sqlstates=("3D000",), natives={_MYSQL: (1049,)},
         pattern=r"""database "(?P<name>[^"]*)" does not exist|unknown database '(?P<name2>[^']*)'"""),
    Rule("droits sur la base", "L'utilisateur « {name} » n'a pas de droits sur cette base : l'administrateur doit les "
                               "lui donner (GRANT) ({base}).",
         natives={_MYSQL: (1044,)}, pattern=r"access denied for user '(?P<name>[^']*)'@'[^']*' to database"),
    Rule("identifiant", "Connexion refusée par la base Gestan : utilisateur « {name} » inconnu ou mot de passe "
                        "incorrect ({base}).",
         natives={_MYSQL: (1045, 1698)}, pattern=r"access denied for user '(?P<name>[^']*)'"),
    Rule("droits", "Droits insuffisants dans la base Gestan : l'utilisateur ne peut pas lire ou écrire une table "
                   "({name}) ; l'administrateur doit les lui donner (GRANT) ({base}).",
         sqlstates=("42501",), natives={_MYSQL: (1142, 1143, 1227)},
         pattern=r"permission denied for (?:table|relation|schema) (?P<name>\S+)|command denied"),
    Rule("serveur en lecture seule", "Le serveur de la base Gestan est en lecture seule (réplique ou maintenance) : "
                                     "rien ne peut y être écrit ({base}).",
         sqlstates=("25006",), natives={_MYSQL: (1290, 1792)}, pattern=r"read-only transaction|--read-only"),
    Rule("fichier en lecture seule", "La base Gestan « {path} » est en lecture seule : donnez les droits d'écriture "
                                     "sur ce fichier et sur son dossier (SQLite y écrit son journal).",
         natives={_SQLITE: (8,)}, pattern=r"readonly database"),
    Rule("pas une base", "« {path} » n'est pas une base SQLite (c'est un fichier d'un autre type) : vérifiez le "
                         "paramètre base ou --db.",
         natives={_SQLITE: (26,)}, pattern=r"file is not a database"),
    Rule("ouverture", "La base Gestan « {path} » ne peut être ni ouverte ni créée (dossier absent, droits refusés "
                      "ou chemin trop long) : vérifiez le paramètre base ou --db.",
         natives={_SQLITE: (14,)}, pattern=r"unable to open database file"),
    Rule("endommagée", "La base Gestan « {path} » est endommagée : restaurez une sauvegarde.",
         natives={_SQLITE: (11,)}, pattern=r"malformed"),
    Rule("disque plein", "Le disque de la base Gestan est plein : rien n'a pu être écrit ({base}).",
         sqlstates=("53100",), natives={_SQLITE: (13,), _MYSQL: (1021, 1114), _OS: (E.ENOSPC,)},
         pattern=r"disk (is )?full|no space left"),
    Rule("pilote ODBC", _NO_DRIVER,
         sqlstates=("IM003",), pattern=r"can't open lib|driver could not be loaded"),
    Rule("DSN", "Le DSN ODBC « {dsn} » n'existe pas sur ce poste : créez-le (Windows : « Sources de données ODBC "
                "64 bits » ; Linux : odbc.ini) ou corrigez l'adresse ({base}).",
         sqlstates=("IM002",), pattern=r"data source name not found", needs="dsn"),
    # Windows' driver manager answers IM002 for an unknown driver name too.
    Rule("pilote ODBC", _NO_DRIVER,
         sqlstates=("IM002",), pattern=r"data source name not found|no default driver", needs="driver"),
    Rule("hôte inconnu", "Le serveur « {host} » de la base Gestan est inconnu (nom introuvable) : vérifiez "
                         "l'adresse ({base}).",
         natives={_MYSQL: (2005,)},
         pattern=r"could not translate host name|failed to resolve host|unknown (mysql |mariadb )?server host|"
                 r"name or service not known|nodename nor servname|no such host"),
    Rule("injoignable", "La base Gestan est injoignable : aucun serveur ne répond à l'adresse « {host} » "
                        "(arrêté, mauvais port ou pare-feu) ({base}).",
         natives={_MYSQL: (2002, 2003)}, pattern=r"connection refused|could not connect|can't connect|"
                                                 r"no route to host|network is unreachable"),
    Rule("coupée", "La connexion à la base Gestan a été coupée (serveur arrêté ou redémarré, ou réseau) ({base}).",
         sqlstates=("08S01", "08006", "08003", "57P01", "57P02", "57P03"), natives={_MYSQL: (2006, 2013)},
         pattern=r"server closed the connection|terminating connection|lost connection|gone away|"
                 r"connection (is )?closed|consuming input failed|communication link failure"),
    Rule("trop de connexions", "Le serveur de la base Gestan refuse de nouvelles connexions (trop de connexions "
                               "ouvertes) : réessayez dans un moment ({base}).",
         sqlstates=("53300",), natives={_MYSQL: (1040,)}, pattern=r"too many connections"),
    Rule("table absente", "Une table ou une colonne attendue manque dans la base Gestan : « amazon-addin check-db » "
                          "dit laquelle, « amazon-addin init-db » crée ce qui manque ({base}).",
         sqlstates=("42P01", "42703", "42S02", "42S22"), natives={_MYSQL: (1146, 1054)},
         pattern=r"no such (table|column)|does not exist|doesn't exist|unknown column"),
    Rule("trop long", "Une valeur est trop longue pour sa colonne dans la base Gestan : rien n'a été écrit ; "
                      "signalez-le avec le fichier en cause ({base}).",
         sqlstates=("22001",), natives={_MYSQL: (1406,)}, pattern=r"too long|data too long|right truncation"),
    Rule("doublon", "La base Gestan refuse une valeur en double (une autre application a peut-être écrit le même "
                    "numéro ou la même clé) ({base}).",
         sqlstates=("23505",), natives={_MYSQL: (1062,)}, pattern=r"unique constraint|duplicate"),
    Rule("référence", "La base Gestan refuse une ligne qui renvoie à une donnée absente (clé étrangère) : vérifiez les "
                      "familles et produits nommés par les paramètres ({base}).",
         sqlstates=("23503",), natives={_MYSQL: (1451, 1452)}, pattern=r"foreign key"),
    Rule("système", "Fichier de la base Gestan « {path} » : {reason}.",
         natives={_OS: (E.EACCES, E.EPERM, E.EROFS, E.ENAMETOOLONG, E.ENOENT, E.ENOTDIR, E.EISDIR)}),
)


def fault_of(exc: BaseException) -> Fault:
    orig = getattr(exc, "orig", None) or exc
    text = str(orig)
    module = type(orig).__module__ or ""
    if isinstance(orig, OSError) and not module.startswith(("sqlite3", "psycopg", "pyodbc")):
        return Fault(_OS, None, orig.errno, text.lower())
    if module.startswith("sqlite3"):
        code = getattr(orig, "sqlite_errorcode", None)
        return Fault(_SQLITE, None, None if code is None else code & 0xFF, text.lower())
    if module.startswith("psycopg"):
        return Fault("postgresql", getattr(orig, "sqlstate", None), None, text.lower())
    if module.startswith("pyodbc"):
        args = getattr(orig, "args", ())
        state = args[0] if args and isinstance(args[0], str) and len(args[0]) == 5 else None
        message = str(args[1]) if len(args) > 1 else text
        found = _NATIVE_RE.findall(message)
        return Fault(_MYSQL if "[ma-" in message or "mysql" in message.lower() else "odbc", state,
                     int(found[-1]) if found else None, message.lower())
    return Fault("other", getattr(orig, "sqlstate", None), None, text.lower())


def rule_for(fault: Fault, where: dict | None = None) -> tuple[Rule | None, dict]:
    where = where or {}
    for rule in RULES:
        if rule.needs and where.get(rule.needs, "?") == "?":
            continue
        match = re.search(rule.pattern, fault.text) if rule.pattern else None
        if (fault.sqlstate and fault.sqlstate in rule.sqlstates) or \
                (fault.native is not None and fault.native in rule.natives.get(fault.kind, ())) or match:
            names = {k: v for k, v in (match.groupdict() if match else {}).items() if v}
            return rule, {"name": next(iter(names.values()), "?")}
    return None, {}


def describe(exc: BaseException, url: str, where: dict) -> str:
    """The sentence for `exc`; `where` holds what the URL says (base, path, host, dsn, driver)."""
    from .. import audit

    fault = fault_of(exc)
    rule, found = rule_for(fault, where)
    fields = {"path": "?", "host": "?", "dsn": "?", "driver": "?", **where, **found}
    if rule is not None and rule.cause == "pilote ODBC":
        fields["drivers"] = _installed_drivers()
    if rule is not None and rule.cause == "système":
        fields["reason"] = os_reason(exc) if isinstance(exc, OSError) else "droits refusés"
        fields["path"] = getattr(exc, "filename", None) or fields["path"]
    if rule is None:
        from .connect import _redact

        audit.database_error(base=fields["base"], detail=_redact(f"{type(exc).__name__}: {exc}"))
        codes = ", ".join(x for x in (f"SQLSTATE {fault.sqlstate}" if fault.sqlstate else "",
                                      f"code {fault.native}" if fault.native is not None else "") if x)
        return (f"La base Gestan a renvoyé une erreur que l'add-in ne sait pas nommer"
                f"{f' ({codes})' if codes else ''} : son texte est dans le journal « {audit.log_path()} » "
                f"({fields['base']}).")
    return rule.sentence.format(**fields)


def _installed_drivers() -> str:
    try:
        import pyodbc

        names = sorted(pyodbc.drivers())
    except Exception:  # no driver manager at all: say so rather than fail while explaining a failure
        return "aucun"
    return ", ".join(names) or "aucun"
