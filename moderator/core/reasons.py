"""Reasons: why a comment got its verdict, as data the API, review page and log share."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Reason:
    """One signal behind a decision.

    `code` is stable and machine-readable (``links``, ``phrase``, ``red_flag`` ...),
    `message` is what a moderator reads, `weight` is how much it pushed the score
    (positive towards spam / medical, negative away), and `evidence` holds the exact
    words that matched, for highlighting. `title` is a short name a page can show on its
    own (a red flag's name, "chest pain"); most reasons have none.
    """

    code: str
    message: str
    weight: float = 0.0
    evidence: tuple[str, ...] = field(default_factory=tuple)
    source: str = "rules"
    title: str = ""

    def to_dict(self) -> dict:
        """Return the JSON form used by the API and stored with the comment.

        `title` is there only when the reason has one.
        """
        data = {
            "code": self.code,
            "message": self.message,
            "weight": round(float(self.weight), 4),
            "evidence": list(self.evidence),
            "source": self.source,
        }
        if self.title:
            data["title"] = self.title
        return data

    @classmethod
    def from_dict(cls, data: dict) -> Reason:
        """Rebuild a reason from its stored JSON form."""
        return cls(
            code=str(data.get("code", "")),
            message=str(data.get("message", "")),
            weight=float(data.get("weight", 0.0)),
            evidence=tuple(str(e) for e in data.get("evidence", ())),
            source=str(data.get("source", "rules")),
            title=str(data.get("title", "")),
        )


#: The code of the reason a comment was held because a model could not be loaded.
MODEL_UNAVAILABLE = "model_unavailable"


def model_unavailable(model_name: str) -> Reason:
    """Return why a comment was held: the named model could not be loaded."""
    return Reason(
        MODEL_UNAVAILABLE,
        f"The {model_name} model is unavailable, so this comment is held for review.",
        source="system",
        title="model unavailable",
    )


#: The code of the reason an urgent comment the spam check refused was held instead.
HELD_URGENT = "held_urgent"


def held_urgent(looks_like_spam: bool = False) -> Reason:
    """Return why an urgent comment is held: the author sees a reader in danger first."""
    message = (
        "This comment looks like spam but describes an emergency, so it is held for review "
        "(never discarded nor sent to spam): check it first."
        if looks_like_spam
        else "This comment describes an emergency, so it is held for the author to see "
        "first (and answer) before it is published."
    )
    return Reason(HELD_URGENT, message, source="system", title="held: urgent")
