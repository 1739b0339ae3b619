"""Dataset card parsing (docs/method.md §1): licence, languages, tags, sections, configs and features."""

import dataclasses
import re
from dataclasses import dataclass, field

import yaml
from huggingface_hub import DatasetCardData, RepoCard

_SECTION = re.compile(r"^(#{1,6})\s+(.+?)\s*$", re.MULTILINE)
_ESCAPING_PATH = re.compile(r"^/|^~|^[A-Za-z]:|(^|/)\.\.(/|$)|://")  # absolute, home, drive, `..`, URL
_HOMEPAGE = re.compile(r"\*\*Homepage:\*\*[^\n]*?(https?://[^\s)\]>]+)", re.IGNORECASE)


@dataclass(frozen=True)
class DatasetCard:
    """What the method reads from one dataset card."""

    license: str | None
    languages: list[str]
    multilinguality: list[str]
    task_categories: list[str]
    task_ids: list[str]
    pretty_name: str
    description: str
    supported_tasks: str
    data_fields: str
    website: str
    configs: list[str] = field(default_factory=list)
    features: dict[str, dict] = field(default_factory=dict)
    card_error: str = ""
    unsafe_data_files: str = ""  # why the configs' data files would be read outside the repository


def split_card(text: str) -> tuple[dict, str, str]:
    """Split a card with huggingface_hub's parser into (YAML metadata, Markdown body, parse error).

    A card whose YAML does not parse keeps its body and gets empty metadata plus the error text.
    """
    try:
        card = RepoCard(text, ignore_metadata_errors=True)
    except (ValueError, TypeError, yaml.YAMLError) as error:  # bad YAML, a non-dict block, non-string keys
        body = text.split("\n---", 1)[-1] if text.startswith("---") else text
        return {}, body, str(error).splitlines()[0]
    return card.data.to_dict(), card.text, ""


def markdown_section(body: str, title: str) -> str:
    """Return the text under the first heading whose title starts with `title`, up to the next heading
    of the same or a higher level; empty when absent or when it holds only a placeholder."""
    headings = list(_SECTION.finditer(body))
    for i, match in enumerate(headings):
        if not match.group(2).lower().startswith(title.lower()):
            continue
        level = len(match.group(1))
        end = len(body)
        for later in headings[i + 1 :]:
            if len(later.group(1)) <= level:
                end = later.start()
                break
        text = body[match.end() : end].strip()
        return "" if _is_placeholder(text) else text
    return ""


def _is_placeholder(text: str) -> bool:
    return not text or text.startswith("[More Information Needed]")


def as_list(value: object) -> list[str]:
    """Card tags may be a string, a list, or missing."""
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value if v is not None]
    return [str(value)]


def card_license(meta: dict) -> str | None:
    """The licence tag; a list with several licences keeps the first, as the Hub page shows."""
    licenses = as_list(meta.get("license"))
    return licenses[0].strip().lower() if licenses else None


def config_names(meta: dict) -> list[str]:
    """Config names declared in the card's `configs` (today's Hub layout), in card order."""
    return [c.get("config_name", "default") for c in meta.get("configs") or [] if isinstance(c, dict)]


def data_files_problem(meta: dict) -> str:
    """Why the card's configs would read outside their repository (empty when they do not): a `data_files`
    or `data_dir` path that is absolute, climbs with `..`, or is a URL. `datasets` resolves them against a
    local folder as given, so a hostile card could otherwise sample any file of the machine."""
    for config in meta.get("configs") or []:
        if not isinstance(config, dict):
            continue
        for path in _config_paths({key: config.get(key) for key in ("data_files", "data_dir")}):
            if _ESCAPING_PATH.search(path.replace("\\", "/")):
                return f"config {str(config.get('config_name', 'default'))[:100]!r} reads {path[:200]!r}, outside the repository"
    return ""


def _config_paths(value: object) -> list[str]:
    """Every path string of a config's `data_files` / `data_dir` (strings, lists, {split, path} dicts)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [path for key, item in value.items() if key != "split" for path in _config_paths(item)]
    if isinstance(value, (list, tuple)):
        return [path for item in value for path in _config_paths(item)]
    return []


def card_features(meta: dict) -> dict[str, dict]:
    """Map config name → `datasets.Features.to_dict()` from the card's `dataset_info`, when declared.
    (`datasets` is imported here, ~0.9 s, rather than when the Dagster definitions load.)"""
    from datasets.info import DatasetInfosDict

    try:
        infos = DatasetInfosDict.from_dataset_card_data(DatasetCardData(**meta))
    except (TypeError, ValueError, KeyError, AttributeError):
        return {}
    return {name: info.features.to_dict() for name, info in infos.items() if info.features is not None}


def listing_card(meta: dict, card_error: str = "") -> DatasetCard:
    """The card as the Hub's listing gives it (its YAML metadata, `cardData`, without the Markdown body):
    enough for the licence and language rules of §1."""
    return DatasetCard(
        license=card_license(meta),
        languages=[tag.strip().lower() for tag in as_list(meta.get("language") or meta.get("languages"))],
        multilinguality=as_list(meta.get("multilinguality")),
        task_categories=as_list(meta.get("task_categories")),
        task_ids=as_list(meta.get("task_ids")),
        pretty_name=str(meta.get("pretty_name") or ""),
        description="",
        supported_tasks="",
        data_fields="",
        website="",
        configs=config_names(meta),
        card_error=card_error,
        unsafe_data_files=data_files_problem(meta),
    )


def parse_card(text: str) -> DatasetCard:
    """Parse a dataset card (README.md with YAML front matter) into a `DatasetCard`."""
    meta, body, card_error = split_card(text)
    homepage = _HOMEPAGE.search(body)
    return dataclasses.replace(
        listing_card(meta, card_error),
        description=markdown_section(body, "Dataset Summary"),
        supported_tasks=markdown_section(body, "Supported Tasks"),
        data_fields=markdown_section(body, "Data Fields"),
        website=homepage.group(1) if homepage else "",
        features=card_features(meta),
    )
