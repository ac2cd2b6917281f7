"""Customs domain engines: pure functions over plain data, with no I/O and no ledger imports.

Contracts are the thin adapters that read ledger state, call these engines and record the
outcome; nothing here knows about the ledger. Among them: identifiers of U.S. customs
paperwork (entry and in-bond numbers with their check digits, manufacturer IDs, HTS numbers,
port codes, importer numbers), the rules-of-origin engine (`tradeledger.domain.origin`) and
the intellectual-property engine: recordations, license chains, the border check
(`tradeledger.domain.ipr`).
Sections cited as "FACTS §n" are those of shared/domain/FACTS.md.
"""
