"""Citations as a reader sees them. Code and docs cite the seeds by a reviewer's shorthand (`seed 002 §04(二)1(1)`);
every user-facing text — console pages, generated documents — names the document by its title instead
(《平顺县非煤矿产资源整治提升方案》04（二）1（1）). One function for both, so a title is spelt once."""

import re

SEED_TITLES = {
    "seed 000": "《中卫市矿产资源开采治理整顿工作方案》",
    "seed 002": "《平顺县非煤矿产资源整治提升方案》",
}


def cite(clause: str) -> str:
    """A clause as a citizen reads it: the seeds named by title, Chinese punctuation; a second section of the same
    document (`seed 002 §04(二)2(1), §02(二)2`) joined with 、."""
    text = clause
    for seed, title in SEED_TITLES.items():
        text = text.replace(f"{seed} §", title).replace(seed, title)
    text = re.sub(r",\s*§", "、", text).replace("§", "")
    text = re.sub(r"\(([^()]*)\)", r"（\1）", text)
    return text.replace(": ", "：").replace("; ", "；")
