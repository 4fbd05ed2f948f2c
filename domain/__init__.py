"""Pure domain rules of mineflow: no I/O, safe to import from workflow code.

Every rule here cites the clause it encodes: `seed 000 §二(三)` is section 二, part (三) of
`shared/seeds/000_ca6e5e86d8a50ba7.txt`; `seed 002 §04(二)1` is section 04, part (二), item 1 of
`shared/seeds/002_3fb697c0d5d4c2de.txt`. Statutes are cited by name and article.
"""
