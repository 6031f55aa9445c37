"""Every answer the assistant can send, for the clinical review sheet.

Two kinds, read from where they live so nothing is copied here:

* domain responses: every `responses:` entry of domain.yml, every variation (including the
  `channel:` ones), with their button titles;
* texts built in code: every `text=` the actions hand to `dispatcher.utter_message` (directly or
  through a helper such as `offer_follow_up`), and every `{"text": ...}` reply the REST channel
  returns. They are read from the source with `ast`, so a new message in an action shows up on
  the sheet without anyone remembering to list it. Interpolations stay as placeholders
  (`{clinic.phone}`): a sign-off is about the wording, not today's phone number.

An answer's hash is SHA-256 over its variations; a sign-off stores it, and a different hash
later means "changed since sign-off".
"""
from __future__ import annotations

import ast
import functools
import hashlib
import itertools
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterable, Iterator, List, Optional, Sequence, Tuple, Union

import yaml

ROOT = Path(__file__).resolve().parent.parent
DOMAIN_PATH = ROOT / "domain.yml"
SOURCES_PATH = ROOT / "answer_sources.yml"  # what each answer rests on (see its header)
GUIDE_PATH = ROOT / "guide" / "microneedling-guide.txt"  # the project's copy of the clinic's guide
# Code whose texts reach the visitor, and the prefix their answer names get.
CODE_DIRS: Tuple[Tuple[str, Path], ...] = (("action", ROOT / "actions"), ("channel", ROOT / "channels"))
CHANNEL_PREFIX = "channel"  # channels reply with {"text": ...} dicts instead of utter_message
# Test-only: a YAML file {name: [{text: ...}, ...]} whose entries replace (or add) answers, so a
# browser test can change an answer's text without editing domain.yml.
OVERRIDES_ENV = "CONSOLE_ANSWER_OVERRIDES"

FunctionNode = Union[ast.FunctionDef, ast.AsyncFunctionDef]


@dataclass(frozen=True)
class Variation:
    text: str
    buttons: Tuple[str, ...] = ()  # the button titles the visitor sees
    channel: Optional[str] = None  # a domain variation for one channel only (e.g. cmdline)


@dataclass(frozen=True)
class Answer:
    name: str  # utter_aftercare, action:escalation.triage_red_flag.advice
    variations: Tuple[Variation, ...]
    origin: str  # where to change it: domain.yml, actions/escalation.py:104

    @property
    def kind(self) -> str:
        return "response" if self.name.startswith("utter_") else self.name.split(":", 1)[0]

    @property
    def text_hash(self) -> str:
        return text_hash(self.variations)


def text_hash(variations: Sequence[Variation]) -> str:
    """SHA-256 of the variations in order; any change of wording, buttons or channel changes it."""
    canonical = json.dumps([[v.text, list(v.buttons), v.channel] for v in variations], ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


# ------------------------------------------------------------------ domain responses
def _variation(raw: Dict) -> Variation:
    buttons = tuple(str(b.get("title", "")) for b in raw.get("buttons") or [])
    return Variation(str(raw.get("text") or ""), buttons, raw.get("channel"))


def _yaml(path: Path):
    # The C loader where PyYAML has it: the domain and the source map take ~0.2 s each in pure Python.
    return yaml.load(path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def domain_answers(domain_path: Path = DOMAIN_PATH) -> List[Answer]:
    responses = (_yaml(domain_path) or {}).get("responses") or {}
    return [Answer(name, tuple(_variation(v) for v in variations), domain_path.name)
            for name, variations in responses.items()]


# ------------------------------------------------------------------ texts built in code
@dataclass(frozen=True)
class _Text:
    text: str
    constant: Optional[str] = None  # the module-level constant it comes from, which names it


class _ModuleReader:
    """Resolves the expression given as a text to the template(s) it can produce."""

    def __init__(self, tree: ast.Module, functions: Dict[str, FunctionNode]) -> None:
        self.constants: Dict[str, ast.expr] = {}
        self.tables: Dict[str, List[ast.expr]] = {}  # module-level dicts of texts (GUIDE_QUOTES)
        for node in tree.body:
            target, value = _assignment(node)
            if target is None or value is None:
                continue
            if isinstance(value, ast.Dict):
                self.tables[target] = [v for v in value.values if v is not None]
            elif _is_text(value):
                self.constants[target] = value
        self.functions = functions  # module-level functions of every module read, by name

    def resolve(self, expr: ast.expr, scope: FunctionNode) -> List[_Text]:
        if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
            return [_Text(expr.value)]
        if isinstance(expr, ast.JoinedStr):
            return [_Text(_fstring(expr))]
        if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Add):
            return [_Text(a.text + b.text) for a, b in
                    itertools.product(self.resolve(expr.left, scope), self.resolve(expr.right, scope))]
        if isinstance(expr, ast.IfExp):
            return self.resolve(expr.body, scope) + self.resolve(expr.orelse, scope)
        if isinstance(expr, ast.Name):
            return self._resolve_name(expr.id, scope)
        table = _table_lookup(expr)
        if table in self.tables:  # GUIDE_QUOTES.get(reason): each distinct text of the table
            found = [t for v in self.tables[table] for t in self.resolve(v, scope)]
            return list(dict.fromkeys(found))
        if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Name) and expr.func.id in self.functions:
            return self._returned(self.functions[expr.func.id])  # contact_line(): its text, inline
        return [_Text("{" + ast.unparse(expr) + "}")]  # something the reader cannot follow: say so

    def _resolve_name(self, name: str, scope: FunctionNode) -> List[_Text]:
        if name in _parameters(scope):
            return []  # the caller supplies it (offer_follow_up's text); read at the call site
        assigned = [node.value for node in ast.walk(scope) if isinstance(node, ast.Assign)
                    and any(isinstance(t, ast.Name) and t.id == name for t in node.targets)]
        if assigned:
            return [t for value in sorted(assigned, key=_position) for t in self.resolve(value, scope)]
        if name in self.constants:
            return [_Text(t.text, name) for t in self.resolve(self.constants[name], scope)]
        return [_Text("{" + name + "}")]

    def _returned(self, function: FunctionNode) -> List[_Text]:
        returns = [n.value for n in ast.walk(function) if isinstance(n, ast.Return) and n.value is not None]
        return [t for value in returns for t in self.resolve(value, function)]


def _assignment(node: ast.stmt) -> Tuple[Optional[str], Optional[ast.expr]]:
    if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
        return node.targets[0].id, node.value
    if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
        return node.target.id, node.value
    return None, None


def _is_text(expr: ast.expr) -> bool:
    if isinstance(expr, ast.BinOp):
        return _is_text(expr.left) and _is_text(expr.right)
    return isinstance(expr, ast.JoinedStr) or (isinstance(expr, ast.Constant) and isinstance(expr.value, str))


def _fstring(expr: ast.JoinedStr) -> str:
    parts = []
    for value in expr.values:
        if isinstance(value, ast.Constant):
            parts.append(str(value.value))
        elif isinstance(value, ast.FormattedValue):
            parts.append("{" + ast.unparse(value.value) + "}")
    return "".join(parts)


def _table_lookup(expr: ast.expr) -> Optional[str]:
    """TABLE.get(key) or TABLE[key] -> "TABLE"."""
    if (isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute) and expr.func.attr == "get"
            and isinstance(expr.func.value, ast.Name)):
        return expr.func.value.id
    if isinstance(expr, ast.Subscript) and isinstance(expr.value, ast.Name):
        return expr.value.id
    return None


def _parameters(function: FunctionNode) -> List[str]:
    args = function.args
    return [a.arg for a in args.posonlyargs + args.args + args.kwonlyargs]


def _position(node: ast.AST) -> Tuple[int, int]:
    return getattr(node, "lineno", 0), getattr(node, "col_offset", 0)


def _scopes(tree: ast.Module) -> Iterator[Tuple[str, FunctionNode]]:
    """Every function with the name its answers get: an Action's `run` is named by its class."""
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield node.name, node
        elif isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    yield (node.name if item.name == "run" else f"{node.name}.{item.name}"), item


def _text_sites(scope: FunctionNode, forwarders: Iterable[str],
                returned_dicts: bool) -> Iterator[Tuple[str, ast.expr]]:
    """(label, expression) of each text the function sends, in source order.

    A text is the `text=` of `….utter_message(...)` or of a helper that takes a `text` parameter
    (offer_follow_up), or, with `returned_dicts`, the value of a "text" key of a returned dict (the
    REST channel's replies; in actions such a dict is the staff notification, not for visitors).
    The label is the variable holding the text, else the helper's name, else empty."""
    forwarders = set(forwarders)
    sites: List[Tuple[Tuple[int, int], str, ast.expr]] = []
    for node in ast.walk(scope):
        if isinstance(node, ast.Call):
            callee = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if callee != "utter_message" and callee not in forwarders:
                continue
            for keyword in node.keywords:
                if keyword.arg == "text":
                    label = keyword.value.id if isinstance(keyword.value, ast.Name) else (
                        "" if callee == "utter_message" else callee)
                    sites.append((_position(node), label, keyword.value))
        elif returned_dicts and isinstance(node, ast.Return) and isinstance(node.value, ast.Dict):
            for key, value in zip(node.value.keys, node.value.values):
                if isinstance(key, ast.Constant) and key.value == "text":
                    sites.append((_position(node), "", value))
    for _, label, expr in sorted(sites, key=lambda site: site[0]):
        yield label, expr


def _numbered(names: List[str]) -> List[str]:
    """Names repeated within one function get #1, #2 ... in source order."""
    counts = {n: names.count(n) for n in names}
    seen: Dict[str, int] = {}
    numbered = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        numbered.append(f"{name}#{seen[name]}" if counts[name] > 1 else name)
    return numbered


def code_answers(code_dirs: Sequence[Tuple[str, Path]] = CODE_DIRS) -> List[Answer]:
    files = [(prefix, path) for prefix, folder in code_dirs for path in sorted(folder.glob("*.py"))]
    trees = {path: ast.parse(path.read_text(encoding="utf-8"), filename=str(path)) for _, path in files}
    functions: Dict[str, FunctionNode] = {}
    for tree in trees.values():
        for node in tree.body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                functions.setdefault(node.name, node)
    forwarders = [name for name, f in functions.items() if "text" in _parameters(f)]
    answers: Dict[str, Answer] = {}
    for prefix, path in files:
        reader = _ModuleReader(trees[path], functions)
        origin = f"{path.parent.name}/{path.name}"
        for scope_name, scope in _scopes(trees[path]):
            sites = list(_text_sites(scope, forwarders, returned_dicts=prefix == CHANNEL_PREFIX))
            labels = _numbered([label for label, _ in sites])
            for label, (_, expr) in zip(labels, sites):
                texts = reader.resolve(expr, scope)
                suffix = label if not label or label.startswith("#") else f".{label}"
                base = f"{prefix}:{path.stem}.{scope_name}{suffix}"
                for constant, group in itertools.groupby(texts, key=lambda t: t.constant):
                    name = f"{prefix}:{path.stem}.{constant}" if constant else base
                    variations = tuple(dict.fromkeys(Variation(t.text) for t in group))
                    if name in answers:  # the same constant sent from two places: one answer
                        variations = tuple(dict.fromkeys(answers[name].variations + variations))
                    answers[name] = Answer(name, variations, f"{origin}:{expr.lineno}")
    return list(answers.values())


# ------------------------------------------------------------------ all of them
def _overrides(path: Optional[str]) -> Dict[str, Tuple[Variation, ...]]:
    if not path or not Path(path).is_file():  # set but not written (yet): nothing overridden
        return {}
    raw = _yaml(Path(path)) or {}
    return {str(name): tuple(_variation(v) for v in variations) for name, variations in raw.items()}


def _signature(paths: Iterable[Path]) -> Tuple[Tuple[str, int], ...]:
    return tuple((str(p), p.stat().st_mtime_ns) for p in paths if p.exists())


@functools.lru_cache(maxsize=8)
def _collect(domain_path: Path, overrides_path: Optional[str], _stamp: tuple) -> Tuple[Answer, ...]:
    answers = {a.name: a for a in domain_answers(domain_path) + code_answers()}
    for name, variations in _overrides(overrides_path).items():
        origin = answers[name].origin if name in answers else "override"
        answers[name] = Answer(name, variations, origin)
    return tuple(answers.values())


def collect_answers(domain_path: Path = DOMAIN_PATH) -> List[Answer]:
    """Domain responses in domain order, then the texts built in code. Re-read when a file changes."""
    overrides = os.environ.get(OVERRIDES_ENV) or None
    watched = [domain_path] + [p for _, d in CODE_DIRS for p in d.glob("*.py")]
    if overrides:
        watched.append(Path(overrides))
    return list(_collect(domain_path, overrides, _signature(watched)))


# ------------------------------------------------------------------ their sources
@dataclass(frozen=True)
class SourceEntry:
    """An answer's entry in answer_sources.yml."""
    name: str
    medical: bool
    sources: Tuple[str, ...] = ()  # verbatim guide sentences
    unsupported: Tuple[str, ...] = ()  # what the answer says that the guide does not
    why: str = ""  # for medical: false, why there is nothing to source


def _entry(name: str, raw: object) -> SourceEntry:
    if not isinstance(raw, dict):
        raise ValueError(f"{SOURCES_PATH.name}: {name} must be a mapping, not {raw!r}")
    as_texts = lambda key: tuple(str(s) for s in raw.get(key) or ())  # noqa: E731
    return SourceEntry(name, bool(raw.get("medical", True)), as_texts("sources"), as_texts("unsupported"),
                       str(raw.get("why") or ""))


def load_sources(path: Path = SOURCES_PATH) -> Dict[str, SourceEntry]:
    """The source map, re-read when the file changes (every page of the review sheet asks)."""
    return dict(_read_sources(path, path.stat().st_mtime_ns))


@functools.lru_cache(maxsize=4)
def _read_sources(path: Path, _mtime: int) -> Tuple[Tuple[str, SourceEntry], ...]:
    raw = _yaml(path) or {}
    return tuple((str(name), _entry(str(name), value)) for name, value in raw.items())


def normalise(text: str) -> str:
    """Whitespace collapsed: a source may be wrapped differently from the guide, nothing else."""
    return " ".join(text.split())


def in_guide(source: str, guide_text: str) -> bool:
    return normalise(source) in normalise(guide_text)
