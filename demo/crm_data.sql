-- Generated B2B CRM data for the health-score demo (seed report 000).
--
-- Four tables in schema crm, in the shapes CRM pipelines produce (modelled on
-- hubspot__companies, hubspot__contacts, hubspot__engagements and
-- hubspot__deals):
--   crm.companies   company_id, name, industry, size_band, annual_revenue, created_at
--   crm.contacts    contact_id, company_id, email (NULL when unknown), created_at
--   crm.activities  activity_id, company_id, type, occurred_at (the last 90 days)
--   crm.deals       deal_id, company_id, amount, stage, created_at, closed_at
--
-- Usage:  psql -v scale=10000 -f demo/crm_data.sql   (scale = number of companies)
--
-- Deterministic: every value derives from gen.uniform/gen.normal of the row's
-- key (see random.sql), and every date is relative to crm.as_of(), a fixed
-- day, so the data and the analyses on it are the same on every run.
--
-- Each company has a hidden engagement level between 0 and 1, higher for
-- larger companies; it drives how often the company is contacted, how many of
-- its contacts have an e-mail address and how many of its deals are won, so
-- the health score finds real structure: Enterprise healthiest, Small
-- Business least healthy, about half of the customers in the high tier.

\set ON_ERROR_STOP on
SET client_min_messages = warning;
\if :{?scale}
\else
  \set scale 10000
\endif

\ir random.sql

DROP SCHEMA IF EXISTS crm CASCADE;
CREATE SCHEMA crm;
COMMENT ON SCHEMA crm IS 'generated CRM data for the custvalue health-score demo';

-- The day the data describes; analyses measure recency from here, not from
-- today, so that their results never change.  (Production views use now().)
CREATE FUNCTION crm.as_of() RETURNS timestamptz
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT timestamptz '2026-06-30 00:00:00+00' $$;
COMMENT ON FUNCTION crm.as_of() IS 'the fixed day the generated CRM data describes';

-- Per company: the drawn attributes and the hidden engagement level, which
-- stays out of the published tables.
CREATE TEMP TABLE company_draw AS
WITH base AS (
    SELECT c AS company_id,
           -- size band: 15% Small Business, 38% Mid-Market, 30% Large, 17% Enterprise
           CASE WHEN gen.uniform(c, 1) < 0.15 THEN 1
                WHEN gen.uniform(c, 1) < 0.53 THEN 2
                WHEN gen.uniform(c, 1) < 0.83 THEN 3
                ELSE 4 END AS size_rank,
           -- industry, Education rare
           (ARRAY['Technology', 'Technology', 'Technology', 'Technology', 'Technology',
                  'Financial Services', 'Financial Services', 'Financial Services',
                  'Healthcare', 'Healthcare', 'Healthcare',
                  'Manufacturing', 'Manufacturing', 'Manufacturing',
                  'Retail', 'Retail', 'Retail',
                  'Professional Services', 'Professional Services', 'Energy'])
               [1 + floor(20 * gen.uniform(c, 2))::int] AS industry,
           gen.uniform(c, 3) < 0.01 AS education
    FROM generate_series(1::bigint, :scale) AS c
)
SELECT company_id, size_rank,
       CASE WHEN education THEN 'Education' ELSE industry END AS industry,
       -- engagement: by size band, a little by industry, plus noise
       least(0.995, greatest(0.50,
           (ARRAY[0.58, 0.75, 0.855, 0.95])[size_rank]
           + CASE WHEN education THEN 0.10
                  WHEN industry = 'Technology' THEN 0.03
                  WHEN industry = 'Retail' THEN -0.03
                  ELSE 0 END
           + 0.06 * gen.normal(company_id, 4))) AS engagement,
       -- annual revenue: log-normal around a median that grows with size
       round(exp(ln((ARRAY[1.5e6, 4e6, 12e6, 60e6]::float8[])[size_rank])
                 + 1.4 * gen.normal(company_id, 6))::numeric, -3) AS annual_revenue,
       -- days since the company became a customer
       120 + floor(2500 * gen.uniform(company_id, 10))::int AS age_days
FROM base;
ANALYZE company_draw;

CREATE TABLE crm.companies AS
SELECT company_id::bigint AS company_id,
       (ARRAY['Blue', 'North', 'Silver', 'Bright', 'Green', 'Summit', 'Harbor', 'Cedar',
              'Iron', 'Pioneer', 'Clear', 'Apex', 'Granite', 'Swift', 'Maple', 'Atlas'])
           [1 + floor(16 * gen.uniform(company_id, 7))::int] || ' ' ||
       (ARRAY['River', 'Peak', 'Bridge', 'Stone', 'Field', 'Wave', 'Point', 'Valley',
              'Ridge', 'Harbor', 'Forge', 'Lake', 'Grove', 'Crest', 'Path', 'Star'])
           [1 + floor(16 * gen.uniform(company_id, 8))::int] || ' ' ||
       (ARRAY['Labs', 'Systems', 'Group', 'Partners', 'Holdings', 'Solutions', 'Works', 'Inc'])
           [1 + floor(8 * gen.uniform(company_id, 9))::int] AS name,
       industry,
       (ARRAY['Small Business', 'Mid-Market', 'Large', 'Enterprise'])[size_rank] AS size_band,
       annual_revenue::numeric(16, 2) AS annual_revenue,
       crm.as_of() - make_interval(days => age_days) AS created_at
FROM company_draw;
ALTER TABLE crm.companies ADD PRIMARY KEY (company_id);
COMMENT ON TABLE crm.companies IS 'generated companies (shape of hubspot__companies)';

-- Contacts: more for larger companies; the share with an e-mail address
-- rises with engagement.  Which contacts have one follows a golden-ratio
-- sequence from a random start, so a company's share stays within 1/n of
-- its drawn rate instead of scattering binomially (three contacts without
-- any e-mail would otherwise be common among small companies).
CREATE TABLE crm.contacts AS
SELECT d.company_id * 100 + i AS contact_id,
       d.company_id::bigint AS company_id,
       CASE WHEN (gen.uniform(d.company_id, 21) + i * 0.6180339887)
                 - floor(gen.uniform(d.company_id, 21) + i * 0.6180339887)
                 < 0.30 + 0.70 * d.engagement + 0.05 * gen.normal(d.company_id, 22)
            THEN 'contact' || (d.company_id * 100 + i) || '@company' || d.company_id || '.example'
       END AS email,
       crm.as_of() - make_interval(days => floor(d.age_days * gen.uniform(d.company_id * 100 + i, 23))::int)
           AS created_at
FROM company_draw d
CROSS JOIN LATERAL generate_series(1,
    (ARRAY[3, 4, 6, 10])[d.size_rank]
    + floor((ARRAY[4, 6, 10, 21])[d.size_rank] * gen.uniform(d.company_id, 20))::int) AS i;
ALTER TABLE crm.contacts ADD PRIMARY KEY (contact_id);
COMMENT ON TABLE crm.contacts IS 'generated contacts, email NULL when unknown (shape of hubspot__contacts)';

-- Engagement activities over the last 90 days: the monthly rate grows with
-- engagement to the power 2.5, so engaged accounts are both busier and more
-- recently touched.  At least one activity per company.
CREATE TABLE crm.activities AS
SELECT d.company_id * 1000 + i AS activity_id,
       d.company_id::bigint AS company_id,
       (ARRAY['EMAIL', 'EMAIL', 'EMAIL', 'EMAIL', 'CALL', 'CALL', 'MEETING', 'MEETING',
              'NOTE', 'TASK'])[1 + floor(10 * gen.uniform(d.company_id * 1000 + i, 31))::int] AS type,
       crm.as_of() - make_interval(secs => 90 * 86400 * gen.uniform(d.company_id * 1000 + i, 32))
           AS occurred_at
FROM company_draw d
CROSS JOIN LATERAL generate_series(1,
    greatest(1, round(3 * 24 * power(d.engagement, 2.5)
                      * (0.7 + 0.6 * gen.uniform(d.company_id, 30))))::int) AS i;
ALTER TABLE crm.activities ADD PRIMARY KEY (activity_id);
COMMENT ON TABLE crm.activities IS 'generated engagement activities (shape of hubspot__engagements)';

-- Deals: a handful per company, amounts in proportion to revenue; closed
-- deals are won more often by engaged companies and close some weeks after
-- they were created.
CREATE TABLE crm.deals AS
SELECT deal_id, company_id, amount, stage, created_at,
       CASE WHEN stage IN ('closedwon', 'closedlost')
            THEN least(crm.as_of(), created_at + make_interval(days => 7 + floor(90 * gen.uniform(deal_id, 46))::int))
       END AS closed_at
FROM (
    SELECT k AS deal_id,
           d.company_id::bigint AS company_id,
           round((20000 * power(d.annual_revenue / 1e6, 0.6) * exp(0.5 * gen.normal(k, 41)))::numeric, 2) AS amount,
           CASE WHEN gen.uniform(k, 42) < 0.15
                THEN (ARRAY['appointmentscheduled', 'qualifiedtobuy', 'presentationscheduled',
                            'decisionmakerboughtin', 'contractsent'])[1 + floor(5 * gen.uniform(k, 43))::int]
                WHEN gen.uniform(k, 44) < 0.25 + 0.70 * d.engagement THEN 'closedwon'
                ELSE 'closedlost' END AS stage,
           crm.as_of() - make_interval(days => 30 + floor((least(d.age_days, 730) - 30) * gen.uniform(k, 45))::int)
               AS created_at
    FROM company_draw d
    CROSS JOIN LATERAL generate_series(1,
        (ARRAY[1, 1, 2, 3])[d.size_rank]
        + floor((ARRAY[2, 4, 5, 8])[d.size_rank] * gen.uniform(d.company_id, 40))::int) AS i
    CROSS JOIN LATERAL (SELECT d.company_id * 100 + i AS k) AS key
) AS drawn;
ALTER TABLE crm.deals ADD PRIMARY KEY (deal_id);
COMMENT ON TABLE crm.deals IS 'generated deals, stage closedwon/closedlost or open (shape of hubspot__deals)';

CREATE INDEX ON crm.contacts (company_id);
CREATE INDEX ON crm.activities (company_id, occurred_at);
CREATE INDEX ON crm.deals (company_id);
ANALYZE crm.companies, crm.contacts, crm.activities, crm.deals;
DROP TABLE company_draw;

SELECT (SELECT count(*) FROM crm.companies) AS companies,
       (SELECT count(*) FROM crm.contacts) AS contacts,
       (SELECT count(*) FROM crm.activities) AS activities,
       (SELECT count(*) FROM crm.deals) AS deals \gset crm_
\echo 'crm: loaded' :crm_companies 'companies,' :crm_contacts 'contacts,' :crm_activities 'activities,' :crm_deals 'deals'
