"""Errors that end a command with one French sentence and a stable exit code (SPEC §6)."""


class AddinError(Exception):
    """Base: `message` is the French sentence shown to the user; `exit_code` the process status."""

    exit_code = 1

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class ReadError(AddinError):
    """The file cannot be read as an Amazon order report (exit 2)."""

    exit_code = 2


class SettingsError(AddinError):
    """A bad setting or an unreachable database (exit 3)."""

    exit_code = 3


# The system's reasons, in French, for the errno values a user can cause (folder, rights, disk, name).
_OS_REASONS = {
    "ENOENT": "introuvable (le fichier ou un de ses dossiers n'existe pas)",
    "ENOTDIR": "un élément du chemin n'est pas un dossier",
    "EISDIR": "c'est un dossier, pas un fichier",
    "EACCES": "droits refusés (lecture ou écriture non permise à cet utilisateur)",
    "EPERM": "opération non permise (fichier protégé ou verrouillé)",
    "EROFS": "le disque est en lecture seule",
    "ENOSPC": "le disque est plein",
    "ENAMETOOLONG": "chemin trop long pour le système",
    "EEXIST": "existe déjà",
    "EBUSY": "fichier occupé par un autre programme",
}


def os_reason(exc: OSError) -> str:
    """Why the system refused, in French (never its English strerror)."""
    import errno

    name = errno.errorcode.get(getattr(exc, "errno", None) or -1, "")
    if getattr(exc, "winerror", None) == 32:  # Windows: the file is open in another program (Excel)
        return _OS_REASONS["EBUSY"]
    return _OS_REASONS.get(name, f"erreur du système ({name or type(exc).__name__})")
