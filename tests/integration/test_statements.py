"""Bank statements in the formats banks export (SWIFT MT940, ISO 20022 camt.053, BNI's CSV),
written here to look like real exports: a header, two accounts, fees, interest, a reversal and a
duplicate credit. Each holds every mismatch kind; importing it again changes nothing. Both databases."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import func, select

from loket.clock import FrozenClock
from loket.domain.booking import BookingPolicy
from loket.domain.errors import InvalidInput
from loket.domain.reconciliation import Kind
from loket.services import booking as booking_service
from loket.services.catalog import Catalog
from loket.services.reconciliation import import_bank_statement, reconciliation
from loket.store.database import Database
from loket.store.tables import audit_log, bank_statement_exceptions, bank_statement_lines
from loket.testing.applicants import applicant

from .conftest import pay
from .test_booking import request_for

STORY = date(2017, 12, 28)
FEE = 355_000


def ntpn(n: int) -> str:
    return f"0A1B2C3D4E5F{n:04d}"  # an NTPN has 16 letters and digits


@pytest.fixture
async def paid(demo: Database, catalog: Catalog, clock: FrozenClock, policy: BookingPolicy) -> dict[str, Any]:
    """Six bookings; the bank's callback came for 1, 3, 4, 5 and 6 (not for 2)."""
    codes = {}
    for i in range(1, 7):
        done = await booking_service.book_slot(
            demo, catalog, "PLG", request_for(applicant(40 + i)), policy=policy, now=clock()
        )
        codes[i] = done.billing_code
        if i != 2:
            assert (await pay(demo, done.billing_code, FEE, clock(), ntpn=ntpn(i))).outcome == "accepted"
    return codes


def entries(codes: dict[int, str]) -> list[tuple[str, str, int, str]]:
    """(account, mark, amount, remittance information) in statement order: C credit, D debit, RC reversal."""
    return [
        ("0115999999", "C", FEE, f"PNBP MPN NTPN {ntpn(1)} KODE BILLING {codes[1]} PASPOR"),
        ("0115999999", "C", FEE, f"SETORAN PNBP {codes[2]} NTPN:{ntpn(2)}"),  # no callback
        ("0115999999", "C", 350_000, f"NTPN {ntpn(4)} BILLING {codes[4]}"),  # amount differs
        ("0115999999", "D", 6_500, "BIAYA ADMIN TRANSAKSI"),  # a fee: ignored
        ("0115999999", "C", FEE, f"MPN G2 NTPN {ntpn(6)} ID BILLING {codes[6]}"),
        ("0115999999", "RC", FEE, f"KOREKSI NTPN {ntpn(6)} ID BILLING {codes[6]}"),  # taken back
        ("0115888888", "C", 1_250, "BUNGA JASA GIRO"),  # interest on the second account: ignored
        ("0115888888", "C", FEE, f"NTPN {ntpn(5)} KODE BILLING {codes[5]}"),
        ("0115888888", "C", FEE, f"NTPN {ntpn(5)} KODE BILLING {codes[5]}"),  # credited twice
    ]


def mt940_file(codes: dict[int, str]) -> bytes:
    out = []
    for n, account in enumerate(("0115999999", "0115888888"), start=1):
        out += [
            "{1:F01BNINIDJAAXXX0000000000}{2:I940BNINIDJAXXXXN}{4:",
            f":20:BNI171228{n:03d}",
            f":25:{account}",
            f":28C:00358/{n:03d}",
            ":60F:C171227IDR10000000,00",
        ]
        for acct, mark, amount, info in entries(codes):
            if acct == account:
                out += [f":61:1712281228{mark}{amount},00NTRFNONREF//BNI{len(out):05d}", f":86:{info}"]
        out += [":62F:C171228IDR10705000,00", "-}"]
    return ("\r\n".join(out) + "\r\n").encode()


def camt053_file(codes: dict[int, str]) -> bytes:
    stmts = []
    for account in ("0115999999", "0115888888"):
        ntries = []
        for acct, mark, amount, info in entries(codes):
            if acct != account:
                continue
            direction = "CRDT" if mark == "C" else ("DBIT" if mark == "D" else "CRDT")
            reversal = "<RvslInd>true</RvslInd>" if mark == "RC" else ""
            ntries.append(
                f"""<Ntry><Amt Ccy="IDR">{amount}.00</Amt><CdtDbtInd>{direction}</CdtDbtInd>{reversal}
<Sts>BOOK</Sts><BookgDt><Dt>2017-12-28</Dt></BookgDt><ValDt><Dt>2017-12-28</Dt></ValDt>
<BkTxCd><Prtry><Cd>NTRF</Cd></Prtry></BkTxCd>
<NtryDtls><TxDtls><RmtInf><Ustrd>{info}</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>"""
            )
        stmts.append(
            f"""<Stmt><Id>BNI-{account}-20171228</Id><CreDtTm>2017-12-28T23:59:00+07:00</CreDtTm>
<Acct><Id><Othr><Id>{account}</Id></Othr></Id><Ccy>IDR</Ccy><Svcr><FinInstnId><BIC>BNINIDJA</BIC></FinInstnId></Svcr></Acct>
<Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy="IDR">10000000.00</Amt>
<CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2017-12-27</Dt></Dt></Bal>
{"".join(ntries)}</Stmt>"""
        )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>
<GrpHdr><MsgId>BNI20171228001</MsgId><CreDtTm>2017-12-28T23:59:00+07:00</CreDtTm></GrpHdr>
{"".join(stmts)}</BkToCstmrStmt></Document>""".encode()


def bni_csv_file(codes: dict[int, str]) -> bytes:
    rows = ['"No. Rekening","Tanggal Transaksi","Jam","Keterangan","D/K","Nominal","Saldo"']
    marks = {"C": "K", "D": "D", "RC": "RK"}
    for i, (acct, mark, amount, info) in enumerate(entries(codes)):
        rows.append(
            f'"{acct}","28/12/2017","{9 + i:02d}:15:00","{info}","{marks[mark]}","{amount:,}.00","0.00"'
        )
    return ("\ufeff" + "\r\n".join(rows) + "\r\n").encode()


FORMATS = {"mt940": mt940_file, "camt053": camt053_file, "csv": bni_csv_file}


async def count(db: Database, table) -> int:  # type: ignore[no-untyped-def]
    async with db.read() as conn:
        return int((await conn.execute(select(func.count()).select_from(table))).scalar_one())


@pytest.mark.parametrize("fmt", sorted(FORMATS))
async def test_every_mismatch_kind_and_idempotent_reimport(
    demo: Database, paid: dict[int, str], clock: FrozenClock, fmt: str
) -> None:
    raw = FORMATS[fmt](paid)
    done = await import_bank_statement(
        demo, "PLG", raw, fmt=fmt, bank="BNI", filename=f"bni.{fmt}", actor="sari", now=clock()
    )
    # Seven PNBP entries (five payments, a duplicate, a reversal); the fee and the interest ignored.
    assert (done.lines, done.added, done.already_imported, done.banks) == (7, 7, False, ("BNI",))
    assert (done.first, done.last) == (STORY, STORY)
    rec = await reconciliation(demo, "PLG", STORY, STORY)
    found = sorted((i.kind.value, i.ntpn, i.statement_amount, i.loket_amount) for i in rec.items)
    assert found == sorted(
        [
            (Kind.MATCHED.value, ntpn(1), FEE, FEE),
            (Kind.MISSING_CALLBACK.value, ntpn(2), FEE, None),
            (Kind.NO_STATEMENT_LINE.value, ntpn(3), None, FEE),
            (Kind.AMOUNT_MISMATCH.value, ntpn(4), 350_000, FEE),
            (Kind.MATCHED.value, ntpn(5), FEE, FEE),
            (Kind.DUPLICATE.value, ntpn(5), FEE, None),
            (Kind.MATCHED.value, ntpn(6), FEE, FEE),
            (Kind.REVERSAL.value, ntpn(6), -FEE, None),
        ]
    )
    # Six credits (one of them 350.000) less the reversal: what the bank holds at the end of the day.
    assert rec.statement_total == sum(t.statement for t in rec.totals().values()) == 4 * FEE + 350_000
    assert rec.loket_total == 5 * FEE
    assert rec.revenue == 2 * FEE  # 1 and 5; 6 was reversed by the bank
    booking_of = {i.ntpn: i.booking_code for i in rec.items if i.kind is Kind.DUPLICATE}
    assert booking_of[ntpn(5)] is not None  # a duplicate names the booking it paid
    before = (await count(demo, bank_statement_lines), await count(demo, bank_statement_exceptions))
    audits = await count(demo, audit_log)
    again = await import_bank_statement(
        demo, "PLG", raw, fmt=fmt, bank="BNI", filename=f"again.{fmt}", actor="sari", now=clock()
    )
    assert (again.already_imported, again.added, again.statement_id) == (True, 0, done.statement_id)
    assert (await count(demo, bank_statement_lines), await count(demo, bank_statement_exceptions)) == before
    assert await count(demo, audit_log) == audits
    assert (await reconciliation(demo, "PLG", STORY, STORY)).items == rec.items


async def test_a_late_callback_turns_missing_into_matched(
    demo: Database, paid: dict[int, str], clock: FrozenClock
) -> None:
    await import_bank_statement(
        demo, "PLG", mt940_file(paid), fmt="mt940", bank="BNI", filename="bni.sta", actor="sari", now=clock()
    )
    await pay(demo, paid[2], FEE, clock(), ntpn=ntpn(2))
    kinds = {(i.kind, i.ntpn) for i in (await reconciliation(demo, "PLG", STORY, STORY)).items}
    assert (Kind.MATCHED, ntpn(2)) in kinds and (Kind.MISSING_CALLBACK, ntpn(2)) not in kinds


@pytest.mark.parametrize(
    ("fmt", "raw", "field"),
    [
        ("mt940", b"not a statement", "header"),
        (
            "mt940",
            b":20:X\r\n:25:1\r\n:28C:1\r\n:60F:C171227IDR0,00\r\n:61:1712281228C355000,50NTRFNONREF\r\n"
            b":86:NTPN 0A1B2C3D4E5F0001 KODE BILLING 812345678901234\r\n-",
            "amount",
        ),
        ("camt053", b"<Document><BkToCstmrStmt></BkToCstmrStmt></Document>", "header"),
        ("camt053", b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaa">]><d>&a;</d>', "header"),
        ("csv", b'"Tanggal","Nominal"\r\n"28/12/2017","1"\r\n', "header"),
        (
            "csv",
            b'"No. Rekening","Tanggal Transaksi","Jam","Keterangan","D/K","Nominal"\r\n'
            b'"1","28/12/2017","09:00:00","KODE BILLING 812345678901234","K","355,000.00"\r\n',
            "ntpn",
        ),
    ],
)
async def test_bad_statements_name_the_line_and_field_and_change_nothing(
    demo: Database, clock: FrozenClock, fmt: str, raw: bytes, field: str
) -> None:
    with pytest.raises(InvalidInput) as error:
        await import_bank_statement(
            demo, "PLG", raw, fmt=fmt, bank="BNI", filename="x", actor="sari", now=clock()
        )
    assert error.value.field == field and "line" in error.value.extra
    assert await count(demo, bank_statement_lines) == await count(demo, bank_statement_exceptions) == 0


async def test_the_same_statement_imported_four_times_at_once_is_stored_once(
    demo: Database, paid: dict[int, str], clock: FrozenClock
) -> None:
    import asyncio

    raw = camt053_file(paid)
    results = await asyncio.gather(
        *(
            import_bank_statement(
                demo, "PLG", raw, fmt="camt053", bank="BNI", filename=f"{i}.xml", actor="sari", now=clock()
            )
            for i in range(4)
        )
    )
    assert sorted(r.already_imported for r in results) == [False, True, True, True]
    assert (await count(demo, bank_statement_lines), await count(demo, bank_statement_exceptions)) == (5, 2)
