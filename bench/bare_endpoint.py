"""The baseline of bench/hotpaths.py: a bare FastAPI + asyncpg app that does a booking's essential
work and nothing else, on the same database server as Loket.

It takes the same JSON body as `POST /api/v1/offices/{code}/bookings`, validates it with pydantic,
and books with one conditional UPDATE feeding an INSERT, committed synchronously. No NIK, phone
or contact rules, no fees, no audit or outbox rows, no alternatives on a sold-out answer: what
Loket spends above this is the price of its promises, and the benchmark measures that price.

    BARE_DSN=postgresql://postgres@127.0.0.1:5432/bare uvicorn bench.bare_endpoint:app --port 8001
"""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date
from typing import Literal

import asyncpg
from fastapi import FastAPI
from fastapi.responses import ORJSONResponse
from pydantic import BaseModel, Field

SCHEMA = """
CREATE TABLE IF NOT EXISTS bare_places (
    office_code text NOT NULL, day date NOT NULL, session text NOT NULL, category text NOT NULL,
    capacity int NOT NULL, taken int NOT NULL DEFAULT 0,
    PRIMARY KEY (office_code, day, session, category));
CREATE TABLE IF NOT EXISTS bare_bookings (
    office_code text NOT NULL, code text NOT NULL, nik text NOT NULL, full_name text NOT NULL,
    birth_date date NOT NULL, sex text NOT NULL, phone text NOT NULL, email text,
    day date NOT NULL, session text NOT NULL, category text NOT NULL, billing_code text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (office_code, code));
"""

BOOK = """
WITH took AS (
    UPDATE bare_places SET taken = taken + 1
    WHERE office_code = $1 AND day = $2 AND session = $3 AND category = $4 AND taken < capacity
    RETURNING office_code)
INSERT INTO bare_bookings (office_code, code, nik, full_name, birth_date, sex, phone, email,
                           day, session, category, billing_code)
SELECT $1, $5, $6, $7, $8, $9, $10, $11, $2, $3, $4, $12 FROM took
RETURNING code
"""


class BookingBody(BaseModel):
    nik: str = Field(pattern=r"^\d{16}$")
    full_name: str = Field(min_length=1, max_length=120)
    birth_date: date
    sex: Literal["male", "female"]
    phone: str = Field(min_length=8, max_length=20)
    email: str | None = Field(None, max_length=200)
    date: date
    session: str = Field(pattern=r"^\d\d:\d\d$")
    category: Literal["regular", "priority", "express"]
    product: str
    service: str


pool: asyncpg.Pool | None = None


@asynccontextmanager
async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
    global pool
    size = int(os.environ.get("BARE_POOL_SIZE", "16"))
    pool = await asyncpg.create_pool(os.environ["BARE_DSN"], min_size=size, max_size=size)
    yield
    await pool.close()


app = FastAPI(lifespan=lifespan, default_response_class=ORJSONResponse)


@app.get("/healthz")
async def healthz() -> dict[str, str]:
    assert pool is not None
    await pool.fetchval("SELECT 1")
    return {"status": "ok"}


@app.post("/api/v1/offices/{code}/bookings", status_code=201, response_model=None)
async def book(code: str, body: BookingBody) -> ORJSONResponse | dict[str, object]:
    assert pool is not None
    booking_code = secrets.token_hex(4).upper()
    billing = f"{secrets.randbelow(10**15):015d}"
    row = await pool.fetchval(
        BOOK,
        code,
        body.date,
        body.session,
        body.category,
        booking_code,
        body.nik,
        body.full_name,
        body.birth_date,
        body.sex,
        body.phone,
        body.email,
        billing,
    )
    if row is None:
        return ORJSONResponse({"error": "quota_full"}, status_code=409)
    return {"booking_code": row, "billing_code": billing, "amount": 355_000}
