"""The local billing provider (demo and tests): Loket makes the code itself, in the booking's transaction."""

from __future__ import annotations

from loket.domain.booking import new_billing_code
from loket.services.billing.provider import BillingOrder, CodeStatus, IssuedCode


class LocalProvider:
    """Random 15-digit codes; payments arrive through the banks' callbacks."""

    name = "local"
    issues_locally = True

    async def request_code(self, order: BillingOrder) -> IssuedCode:
        return IssuedCode(new_billing_code(), order.amount, order.expires_at)

    async def status(self, billing_code: str) -> CodeStatus:
        # The local provider keeps no state of its own: Loket's payments table is the truth.
        raise NotImplementedError("the local provider's codes are tracked in Loket's own tables")

    def notification_secrets(self) -> list[str]:
        return []

    async def close(self) -> None:
        return None
