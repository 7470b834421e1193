"""Text formatting as Telegram parses it: HTML / Markdown / MarkdownV2 to plain text + entities.

Offsets and lengths of entities are in UTF-16 code units, like the Bot API's.
"""

from __future__ import annotations

import re
from typing import Any

from .rules import bad_request

HTML_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
TAG_RE = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[^>]*)?)>")
ENTITY_RE = re.compile(r"&(lt|gt|amp|quot|#[0-9]+|#x[0-9a-fA-F]+);")
ATTR_RE = re.compile(r"""([a-zA-Z-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"']+))""")
COMMAND_RE = re.compile(r"(?<![\w/])/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?(?![\w@])")
MENTION_RE = re.compile(r"(?<![\w@])@[A-Za-z0-9_]{4,32}(?!\w)")
URL_RE = re.compile(r"(?<!\w)https?://[^\s]+")
HASHTAG_RE = re.compile(r"(?<![\w#])#\w+")


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _cant_parse(detail: str) -> Exception:
    return bad_request(f"can't parse entities: {detail}")


def parse_html(source: str) -> tuple[str, list[dict[str, Any]]]:
    out: list[str] = []
    pos16 = 0
    stack: list[tuple[str, int, dict[str, Any]]] = []
    entities: list[dict[str, Any]] = []
    i = 0

    def byte_offset(index: int) -> int:
        return len(source[:index].encode())

    while i < len(source):
        ch = source[i]
        if ch == "<":
            m = TAG_RE.match(source, i)
            if not m:
                name = re.match(r"</?([^\s>]*)", source[i:])
                shown = name.group(1) if name else ""
                raise _cant_parse(f'Unsupported start tag "{shown}" at byte offset {byte_offset(i)}')
            closing, name, attrs = m.group(1), m.group(2).lower(), m.group(3)
            if name not in HTML_TAGS:
                kind = "end" if closing else "start"
                raise _cant_parse(f'Unsupported {kind} tag "{name}" at byte offset {byte_offset(i)}')
            if closing:
                if not stack or stack[-1][0] != name:
                    expected = f'"</{stack[-1][0]}>"' if stack else "no end tag"
                    raise _cant_parse(
                        f'Unmatched end tag at byte offset {byte_offset(i)}, expected {expected}, found "</{name}>"'
                    )
                tag, start, extra = stack.pop()
                if pos16 > start:
                    entities.append({"type": HTML_TAGS[tag], "offset": start, "length": pos16 - start, **extra})
            else:
                extra: dict[str, Any] = {}
                found = {a.group(1).lower(): a.group(2) or a.group(3) or a.group(4) for a in ATTR_RE.finditer(attrs)}
                if name == "a":
                    if "href" not in found:
                        raise _cant_parse(f'Can\'t find "href" attribute of tag "a" at byte offset {byte_offset(i)}')
                    extra["url"] = found["href"]
                if name == "span" and found.get("class") != "tg-spoiler":
                    raise _cant_parse(f'Tag "span" must have class "tg-spoiler" at byte offset {byte_offset(i)}')
                if name == "pre" and found.get("language"):
                    extra["language"] = found["language"]
                stack.append((name, pos16, extra))
            i = m.end()
            continue
        if ch == "&":
            m = ENTITY_RE.match(source, i)
            if m:
                name = m.group(1)
                if name.startswith("#x"):
                    text = chr(int(name[2:], 16))
                elif name.startswith("#"):
                    text = chr(int(name[1:]))
                else:
                    text = NAMED_ENTITIES[name]
                out.append(text)
                pos16 += utf16_len(text)
                i = m.end()
                continue
        out.append(ch)
        pos16 += utf16_len(ch)
        i += 1
    if stack:
        raise _cant_parse(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(out), entities


MDV2_MARKERS = {"*": "bold", "_": "italic", "__": "underline", "~": "strikethrough", "||": "spoiler"}
MDV2_RESERVED = set("_*[]()~`>#+-=|{}.!")


def parse_markdown(source: str, v2: bool) -> tuple[str, list[dict[str, Any]]]:
    """A compact parser for Markdown and MarkdownV2 (bold, italic, underline, strike, spoiler,
    code, pre, links); unescaped reserved characters are refused in V2 like Telegram does."""
    out: list[str] = []
    pos16 = 0
    open_: dict[str, int] = {}
    entities: list[dict[str, Any]] = []
    markers = MDV2_MARKERS if v2 else {"*": "bold", "_": "italic"}
    i = 0

    def emit(text: str) -> None:
        nonlocal pos16
        out.append(text)
        pos16 += utf16_len(text)

    while i < len(source):
        ch = source[i]
        offset = len(source[:i].encode())
        if ch == "\\" and v2 and i + 1 < len(source):
            emit(source[i + 1])
            i += 2
            continue
        if ch == "`":
            fence = "```" if source.startswith("```", i) else "`"
            end = source.find(fence, i + len(fence))
            if end < 0:
                raise _cant_parse(f"Can't find end of the entity starting at byte offset {offset}")
            body = source[i + len(fence) : end]
            kind = "pre" if fence == "```" else "code"
            if kind == "pre" and "\n" in body:
                first, rest = body.split("\n", 1)
                body = rest if first.strip() and " " not in first.strip() else body
            start = pos16
            emit(body.replace("\\`", "`").replace("\\\\", "\\") if v2 else body)
            entities.append({"type": kind, "offset": start, "length": pos16 - start})
            i = end + len(fence)
            continue
        if ch == "[":
            m = re.match(r"\[((?:\\.|[^\]\\])*)\]\(((?:\\.|[^)\\])*)\)", source[i:])
            if m:
                inner_text, _ = parse_markdown(m.group(1), v2)
                start = pos16
                emit(inner_text)
                url = re.sub(r"\\(.)", r"\1", m.group(2)) if v2 else m.group(2)
                entities.append({"type": "text_link", "offset": start, "length": pos16 - start, "url": url})
                i += m.end()
                continue
        two = source[i : i + 2]
        marker = two if two in markers else ch if ch in markers else None
        if marker:
            if marker in open_:
                start = open_.pop(marker)
                if pos16 > start:
                    entities.append({"type": markers[marker], "offset": start, "length": pos16 - start})
            else:
                open_[marker] = pos16
            i += len(marker)
            continue
        if v2 and ch in MDV2_RESERVED:
            raise _cant_parse(f"Character '{ch}' is reserved and must be escaped with the preceding '\\'")
        emit(ch)
        i += 1
    if open_:
        raise _cant_parse("Can't find end of the entity starting at byte offset 0")
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(out), entities


def parse_formatted(text: str, parse_mode: str | None, entities: Any = None) -> tuple[str, list[dict[str, Any]]]:
    """Plain text and entities of a bot's text/caption, as Telegram stores it."""
    if entities:
        return text, list(entities)
    mode = (parse_mode or "").lower()
    if mode == "html":
        return parse_html(text)
    if mode in ("markdown", "markdownv2"):
        return parse_markdown(text, v2=mode == "markdownv2")
    if mode:
        raise bad_request(f'unsupported parse_mode "{parse_mode}"')
    return text, []


def detect_entities(text: str) -> list[dict[str, Any]]:
    """Entities Telegram's clients attach to what a user types: commands, mentions, URLs, hashtags."""
    found: list[dict[str, Any]] = []
    for kind, regex in (("bot_command", COMMAND_RE), ("mention", MENTION_RE), ("url", URL_RE), ("hashtag", HASHTAG_RE)):
        for m in regex.finditer(text):
            found.append({"type": kind, "offset": utf16_len(text[: m.start()]), "length": utf16_len(m.group())})
    found.sort(key=lambda e: e["offset"])
    return found


def entity_text(text: str, entity: dict[str, Any]) -> str:
    encoded = text.encode("utf-16-le")
    start, length = entity["offset"] * 2, entity["length"] * 2
    return encoded[start : start + length].decode("utf-16-le")


MENTION_URL = re.compile(r"^tg://user\?id=(\d+)$")


def resolve_mentions(entities: list[dict[str, Any]], people: Any) -> list[dict[str, Any]]:
    """Links to tg://user?id=... as Telegram stores them: a text_mention carrying the user, when that user
    has contacted the bot in private (then the mention works); else no entity at all, the words stay plain.
    `people` maps user ids to users (with `started` and `to_dict`)."""
    resolved = []
    for entity in entities:
        found = MENTION_URL.match(str(entity.get("url", ""))) if entity.get("type") == "text_link" else None
        if found is None:
            resolved.append(entity)
            continue
        user = people.get(int(found.group(1)))
        if user is not None and getattr(user, "started", False):
            resolved.append({"type": "text_mention", "offset": entity["offset"], "length": entity["length"],
                             "user": user.to_dict()})
    return resolved
