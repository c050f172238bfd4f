"""Introspects tarn with SQLAlchemy's PostgreSQL dialect (psycopg2), as
Superset does when a database is added: schemas, tables, columns, keys.
Usage: python3 sa_inspect.py URL SCHEMA TABLE"""
import sys

import sqlalchemy as sa

url, schema, table = sys.argv[1:4]
engine = sa.create_engine(url)
insp = sa.inspect(engine)
print("schemas", " ".join(insp.get_schema_names()))
print("tables", " ".join(insp.get_table_names(schema=schema)))
for c in insp.get_columns(table, schema=schema):
    print("column", c["name"], c["type"])
print("pk", insp.get_pk_constraint(table, schema=schema)["constrained_columns"])
print("fks", insp.get_foreign_keys(table, schema=schema))
print("indexes", insp.get_indexes(table, schema=schema))
print("unique", insp.get_unique_constraints(table, schema=schema))
print("comment", insp.get_table_comment(table, schema=schema)["text"])
with engine.connect() as conn:
    print("count", conn.execute(sa.text("SELECT count(*) FROM %s.%s" % (schema, table))).scalar())
