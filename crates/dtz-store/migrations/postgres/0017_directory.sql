-- The service directory: providers of services to children (shelters, clinics, legal
-- aid, ...), where they work, the languages they speak, their places and how many are
-- free now. Same names and columns as migrations/sqlite/0017_directory.sql.
--
-- A provider is a directory entry. `org_id` links it to the provider's organisation
-- in dtz when the provider has accounts (its staff update the availability); an entry
-- without one is contact details only. The street address is sealed (`address`, under
-- its own `data_key`, wrapped by the key-encryption key of `key_org_id`): a shelter's
-- address is among the most sensitive facts dtz holds. Areas and languages are sets replaced with the entry;
-- services keep their ids, so a referral can point at (provider, service).

CREATE TABLE service_providers (
    id UUID PRIMARY KEY,
    org_id UUID REFERENCES organisations (id),
    key_org_id UUID REFERENCES organisations (id),
    name TEXT NOT NULL,
    country TEXT NOT NULL,
    takes_referrals BOOLEAN NOT NULL,
    phone TEXT,
    email TEXT,
    notes TEXT,
    data_key BYTEA,
    address BYTEA,
    version BIGINT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    deleted_at TIMESTAMPTZ
);
CREATE INDEX service_providers_country ON service_providers (country, name);
CREATE INDEX service_providers_org ON service_providers (org_id);

CREATE TABLE provider_areas (
    provider_id UUID NOT NULL REFERENCES service_providers (id),
    area TEXT NOT NULL,
    area_key TEXT NOT NULL,
    PRIMARY KEY (provider_id, area_key)
);
CREATE INDEX provider_areas_key ON provider_areas (area_key);

CREATE TABLE provider_languages (
    provider_id UUID NOT NULL REFERENCES service_providers (id),
    language TEXT NOT NULL,
    PRIMARY KEY (provider_id, language)
);
CREATE INDEX provider_languages_language ON provider_languages (language);

CREATE TABLE provider_services (
    id UUID PRIMARY KEY,
    provider_id UUID NOT NULL REFERENCES service_providers (id),
    service_type TEXT NOT NULL,
    capacity BIGINT,
    places_free BIGINT,
    availability_at TIMESTAMPTZ,
    availability_by UUID REFERENCES users (id),
    version BIGINT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    deleted_at TIMESTAMPTZ
);
CREATE UNIQUE INDEX provider_services_type ON provider_services (provider_id, service_type);
CREATE INDEX provider_services_search ON provider_services (service_type, places_free);

-- Default service types (vocabulary `service_type`), in English and Spanish, with fixed
-- ids so every installation and field node has the same ones. Administrators edit,
-- reorder, translate and deactivate them at Administration → Vocabularies. A database
-- that already has a term with one of these codes keeps its own.
INSERT INTO vocabulary_terms (id, vocabulary, code, country, sort_order, active, version, created_at, updated_at) VALUES ('d1c70000-0000-4000-8000-000000000001', 'service_type', 'shelter', '', 10, TRUE, 1, '2016-01-01T00:00:00Z', '2016-01-01T00:00:00Z') ON CONFLICT DO NOTHING;
INSERT INTO vocabulary_labels (term_id, language, label) SELECT id, 'en', 'Shelter' FROM vocabulary_terms WHERE id = 'd1c70000-0000-4000-8000-000000000001' ON CONFLICT DO NOTHING;
INSERT INTO vocabulary_labels (term_id, language, label) SELECT id, 'es', 'Albergue' FROM vocabulary_terms WHERE id = 'd1c70000-0000-4000-8000-000000000001' ON CONFLICT DO NOTHING;
INSERT INTO vocabulary_terms (id, vocabulary, code, country, sort_order, active, version, created_at, updated_at) VALUES ('d1c70000-0000-4000-8000-000000000002', 'service_type', 'medical', '', 20, TRUE, 1, '2016-01-01T00:00:00Z', '2016-01-01T00:00:00Z') ON CONFLICT DO NOTHING;
INSERT INTO vocabulary_labels (term_id, language, label) SELECT id, 'en', 'Medical care' FROM vocabulary_terms WHERE id = 'd1c70000-0000-4000-8000-000000000002' ON CONFLICT DO NOTHING;
INSERT INTO vocabulary_labels (term_id, language, label) SELECT id, 'es', 'Atención médica' FROM vocabulary_terms WHERE id = 'd1c70000-0000-4000-8000-000000000002' ON CONFLICT DO NOTHING;
INSERT INTO vocabulary_terms (id, vocabulary, code, country, sort_order, active, version, created_at, updated_at) VALUES ('d1c70000-0000-4000-8000-000000000003', 'service_type', 'psychosocial', '', 30, TRUE, 1, '2016-01-01T00:00:00Z', '2016-01-01T00:00:00Z') ON CONFLICT DO NOTHING;
INSERT INTO vocabulary_labels (term_id, language, label) SELECT id, 'en', 'Psychosocial support' FROM vocabulary_terms WHERE id = 'd1c70000-0000-4000-8000-000000000003' ON CONFLICT DO NOTHING;
INSERT INTO vocabulary_labels (term_id, language, label) SELECT id, 'es', 'Apoyo psicosocial' FROM vocabulary_terms WHERE id = 'd1c70000-0000-4000-8000-000000000003' ON CONFLICT DO NOTHING;
INSERT INTO vocabulary_terms (id, vocabulary, code, country, sort_order, active, version, created_at, updated_at) VALUES ('d1c70000-0000-4000-8000-000000000004', 'service_type', 'legal_aid', '', 40, TRUE, 1, '2016-01-01T00:00:00Z', '2016-01-01T00:00:00Z') ON CONFLICT DO NOTHING;
INSERT INTO vocabulary_labels (term_id, language, label) SELECT id, 'en', 'Legal aid' FROM vocabulary_terms WHERE id = 'd1c70000-0000-4000-8000-000000000004' ON CONFLICT DO NOTHING;
INSERT INTO vocabulary_labels (term_id, language, label) SELECT id, 'es', 'Asistencia legal' FROM vocabulary_terms WHERE id = 'd1c70000-0000-4000-8000-000000000004' ON CONFLICT DO NOTHING;
INSERT INTO vocabulary_terms (id, vocabulary, code, country, sort_order, active, version, created_at, updated_at) VALUES ('d1c70000-0000-4000-8000-000000000005', 'service_type', 'education', '', 50, TRUE, 1, '2016-01-01T00:00:00Z', '2016-01-01T00:00:00Z') ON CONFLICT DO NOTHING;
INSERT INTO vocabulary_labels (term_id, language, label) SELECT id, 'en', 'Education' FROM vocabulary_terms WHERE id = 'd1c70000-0000-4000-8000-000000000005' ON CONFLICT DO NOTHING;
INSERT INTO vocabulary_labels (term_id, language, label) SELECT id, 'es', 'Educación' FROM vocabulary_terms WHERE id = 'd1c70000-0000-4000-8000-000000000005' ON CONFLICT DO NOTHING;
INSERT INTO vocabulary_terms (id, vocabulary, code, country, sort_order, active, version, created_at, updated_at) VALUES ('d1c70000-0000-4000-8000-000000000006', 'service_type', 'family_tracing', '', 60, TRUE, 1, '2016-01-01T00:00:00Z', '2016-01-01T00:00:00Z') ON CONFLICT DO NOTHING;
INSERT INTO vocabulary_labels (term_id, language, label) SELECT id, 'en', 'Family tracing and reintegration' FROM vocabulary_terms WHERE id = 'd1c70000-0000-4000-8000-000000000006' ON CONFLICT DO NOTHING;
INSERT INTO vocabulary_labels (term_id, language, label) SELECT id, 'es', 'Búsqueda familiar y reintegración' FROM vocabulary_terms WHERE id = 'd1c70000-0000-4000-8000-000000000006' ON CONFLICT DO NOTHING;
INSERT INTO vocabulary_terms (id, vocabulary, code, country, sort_order, active, version, created_at, updated_at) VALUES ('d1c70000-0000-4000-8000-000000000007', 'service_type', 'vocational_training', '', 70, TRUE, 1, '2016-01-01T00:00:00Z', '2016-01-01T00:00:00Z') ON CONFLICT DO NOTHING;
INSERT INTO vocabulary_labels (term_id, language, label) SELECT id, 'en', 'Vocational training' FROM vocabulary_terms WHERE id = 'd1c70000-0000-4000-8000-000000000007' ON CONFLICT DO NOTHING;
INSERT INTO vocabulary_labels (term_id, language, label) SELECT id, 'es', 'Formación profesional' FROM vocabulary_terms WHERE id = 'd1c70000-0000-4000-8000-000000000007' ON CONFLICT DO NOTHING;
INSERT INTO vocabulary_terms (id, vocabulary, code, country, sort_order, active, version, created_at, updated_at) VALUES ('d1c70000-0000-4000-8000-000000000008', 'service_type', 'repatriation', '', 80, TRUE, 1, '2016-01-01T00:00:00Z', '2016-01-01T00:00:00Z') ON CONFLICT DO NOTHING;
INSERT INTO vocabulary_labels (term_id, language, label) SELECT id, 'en', 'Repatriation support' FROM vocabulary_terms WHERE id = 'd1c70000-0000-4000-8000-000000000008' ON CONFLICT DO NOTHING;
INSERT INTO vocabulary_labels (term_id, language, label) SELECT id, 'es', 'Apoyo para la repatriación' FROM vocabulary_terms WHERE id = 'd1c70000-0000-4000-8000-000000000008' ON CONFLICT DO NOTHING;
INSERT INTO vocabulary_terms (id, vocabulary, code, country, sort_order, active, version, created_at, updated_at) VALUES ('d1c70000-0000-4000-8000-000000000009', 'service_type', 'hotline', '', 90, TRUE, 1, '2016-01-01T00:00:00Z', '2016-01-01T00:00:00Z') ON CONFLICT DO NOTHING;
INSERT INTO vocabulary_labels (term_id, language, label) SELECT id, 'en', 'Hotline and counselling' FROM vocabulary_terms WHERE id = 'd1c70000-0000-4000-8000-000000000009' ON CONFLICT DO NOTHING;
INSERT INTO vocabulary_labels (term_id, language, label) SELECT id, 'es', 'Línea de ayuda y consejería' FROM vocabulary_terms WHERE id = 'd1c70000-0000-4000-8000-000000000009' ON CONFLICT DO NOTHING;
