"""How useful the offline rule-based designer is: the share of kept configs that end with at least
one valid task (after validity, label space and instances), and valid tasks per config.

    HF_HUB_OFFLINE=1 .venv/bin/python bench/designer_coverage.py
"""

from dynosaur_assets.curate.curation import curate_source
from dynosaur_assets.design.replies import design_rows, rules_replies
from dynosaur_assets.hub.source import local_hub_sources
from local_hubs import bench_hubs


def main() -> None:
    print("| Hub | kept configs | with >= 1 valid task | share | valid tasks | tasks per config |")
    print("|---|---|---|---|---|---|")
    for name, path in bench_hubs().items():
        sources = local_hub_sources(path)
        valid = [
            len(curate_source(s, [row for reply in rules_replies(s) for row in design_rows(s, reply)]).instructions)
            for s in sources
        ]
        covered = sum(1 for n in valid if n)
        print(f"| {name} | {len(sources)} | {covered} | {covered / len(sources):.0%} | {sum(valid)} | "
              f"{sum(valid) / len(sources):.2f} |")


if __name__ == "__main__":
    main()
