"""User-facing citations name the document by its title, never the reviewers' `seed 00x §` shorthand."""

from domain.citations import cite
from domain.classification import CRITERIA, NEW_CONDITIONS, UPGRADE_TASKS


def test_a_clause_reads_as_the_documents_title():
    assert cite("seed 002 §04(二)1(1)") == "《平顺县非煤矿产资源整治提升方案》04（二）1（1）"
    assert cite("seed 000 §二(二)一: 是否编制安全设计") == (
        "《中卫市矿产资源开采治理整顿工作方案》二（二）一：是否编制安全设计")
    # a second section of the same document: joined, no stray section sign
    assert cite("seed 002 §04(二)2(1), §02(二)2") == "《平顺县非煤矿产资源整治提升方案》04（二）2（1）、02（二）2"


def test_no_classification_text_shown_to_users_keeps_the_shorthand():
    shown = [cite(c.clause) + c.text for c in (*CRITERIA, *NEW_CONDITIONS)]
    shown += [cite(clause) + task for tasks in UPGRADE_TASKS.values() for task, clause in tasks]
    leaking = [text for text in shown if "seed" in text or "§" in text]
    assert leaking == []
