"""A scratch database with custvalue installed, shared by the conformance
tests: created afresh (dropping a leftover one), handed out as an
autocommit connection, and dropped again however the test ends."""

import contextlib

import psycopg2


@contextlib.contextmanager
def scratch_db(name):
    admin = psycopg2.connect(dbname="postgres")
    admin.autocommit = True
    with admin.cursor() as c:
        c.execute("DROP DATABASE IF EXISTS " + name)
        c.execute("CREATE DATABASE " + name)
    conn = None
    try:
        conn = psycopg2.connect(dbname=name)
        conn.autocommit = True
        with conn.cursor() as c:
            c.execute("CREATE EXTENSION custvalue")
        yield conn
    finally:
        if conn is not None:
            conn.close()
        with admin.cursor() as c:
            c.execute("DROP DATABASE IF EXISTS " + name)
        admin.close()
