-- (Numbered 173: issue 17, part c; parallel branches number theirs after their issues too.)
-- Composite SLOs (docs/sla.md, "Composite SLOs"): an SLO document whose objective combines
-- other SLOs (a user journey). Its document is kept in openslo_objects as any SLO's; this
-- table holds the parsed definition. Applying an SLO of the same name replaces it (and
-- applying a composite replaces an SLO of its name).
create table if not exists composite_slos (
    name varchar primary key,
    definition json not null,               -- reliability.openslo.composite.Composite as JSON
    applied_at timestamptz not null
);
