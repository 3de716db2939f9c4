-- Referrals from cases to providers' services, their history, and follow-ups of cases.
-- Same names and columns as migrations/sqlite/0018_referrals.sql.
--
-- A referral points at a `provider_services` row and carries copies of what need to
-- know and the figures filter on: the provider's organisation (`provider_org_id`, the
-- column `Grant::ProviderReferrals` and `Grant::ProviderCare` compile to), the service
-- type and the country. The reason for referral, the security risks for the child and
-- notes are sealed under the case's data key (`details`), like every reason and
-- follow-up note (bound to their own table and row).

CREATE TABLE referrals (
    id UUID PRIMARY KEY,
    case_id UUID NOT NULL REFERENCES cases (id),
    provider_id UUID NOT NULL REFERENCES service_providers (id),
    service_id UUID NOT NULL REFERENCES provider_services (id),
    provider_org_id UUID REFERENCES organisations (id),
    service_type TEXT NOT NULL,
    country TEXT NOT NULL,
    urgency TEXT NOT NULL,
    emergency BOOLEAN NOT NULL,
    status TEXT NOT NULL,
    onward_from UUID REFERENCES referrals (id),
    details BYTEA,
    respond_by TIMESTAMPTZ NOT NULL,
    answered_at TIMESTAMPTZ,
    first_service_at TIMESTAMPTZ,
    ended_at TIMESTAMPTZ,
    escalated_at TIMESTAMPTZ,
    sent_by UUID REFERENCES users (id),
    version BIGINT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX referrals_case ON referrals (case_id, created_at);
CREATE INDEX referrals_provider ON referrals (provider_org_id, status, created_at);
CREATE INDEX referrals_overdue ON referrals (status, escalated_at, respond_by);
CREATE INDEX referrals_figures ON referrals (country, status);

-- Every step of a referral (append-only): who, when, on whose behalf, why (sealed).
CREATE TABLE referral_steps (
    id UUID PRIMARY KEY,
    referral_id UUID NOT NULL REFERENCES referrals (id),
    action TEXT NOT NULL,
    status TEXT NOT NULL,
    on_behalf BOOLEAN NOT NULL,
    reason BYTEA,
    actor_id UUID REFERENCES users (id),
    at TIMESTAMPTZ NOT NULL
);
CREATE INDEX referral_steps_referral ON referral_steps (referral_id, at);

CREATE TABLE follow_ups (
    id UUID PRIMARY KEY,
    case_id UUID NOT NULL REFERENCES cases (id),
    referral_id UUID REFERENCES referrals (id),
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    planned_date DATE NOT NULL,
    done_date DATE,
    progress TEXT,
    reminded_at TIMESTAMPTZ,
    created_by UUID REFERENCES users (id),
    version BIGINT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX follow_ups_case ON follow_ups (case_id, planned_date);
CREATE INDEX follow_ups_due ON follow_ups (status, reminded_at, planned_date);

CREATE TABLE follow_up_notes (
    id UUID PRIMARY KEY,
    follow_up_id UUID NOT NULL REFERENCES follow_ups (id),
    amends_id UUID REFERENCES follow_up_notes (id),
    body BYTEA,
    author_id UUID REFERENCES users (id),
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX follow_up_notes_follow_up ON follow_up_notes (follow_up_id, created_at);
