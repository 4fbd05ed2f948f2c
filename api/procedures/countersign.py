"""The countersign moves every procedure with 会签 rounds shares (workflows/parts/countersign.py): 加签 names a
party by code, which the registry makes a party of the case's county."""

from api.kinds import Acting, prepares
from api.services import registry
from models.cases import AddPartyInput, AddPartyRequest
from workflows.parts.countersign import CountersignMoves


@prepares(CountersignMoves.add_party)
async def add_party_input(acting: Acting, body: AddPartyRequest) -> AddPartyInput:
    spec = await registry.party_spec(session=acting.session, division_code=acting.division_code, party=body.party)
    return AddPartyInput(actor=acting.actor, spec=spec, reason=body.reason)
