-- Contracts and credits (issue 17, point 5): the customer contracts `contracts apply` stores.
-- One row per contract (metadata.name); applying a contract with an existing name replaces it.
-- `definition` is the validated contract as JSON (reliability/contracts/model.py reads it
-- back); `source_yaml` the document as written, for `contracts show`.
create table if not exists contracts (
    name varchar primary key,
    customer varchar not null,
    definition json not null,
    source_file varchar,
    source_yaml varchar,
    applied_at timestamptz not null
);
