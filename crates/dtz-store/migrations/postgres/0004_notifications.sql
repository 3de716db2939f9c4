-- Notifications: an outbox of things to tell one person (task list, and e-mail when they
-- want it), and each person's choice of e-mail per kind. Same names and columns as
-- migrations/sqlite/0004_notifications.sql. params holds ids, counts and codes only,
-- never case content.

CREATE TABLE notifications (
    id UUID PRIMARY KEY,
    user_id UUID NOT NULL REFERENCES users (id),
    kind TEXT NOT NULL,
    link TEXT NOT NULL,
    params TEXT NOT NULL,
    version BIGINT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    done_at TIMESTAMPTZ,
    mail_state TEXT NOT NULL,
    mail_attempts BIGINT NOT NULL,
    mail_next_at TIMESTAMPTZ,
    mail_sent_at TIMESTAMPTZ,
    mail_error TEXT
);
CREATE INDEX notifications_open ON notifications (user_id, done_at, created_at);
CREATE INDEX notifications_mail_due ON notifications (mail_state, mail_next_at);

CREATE TABLE notification_preferences (
    user_id UUID NOT NULL REFERENCES users (id),
    kind TEXT NOT NULL,
    email BOOLEAN NOT NULL,
    version BIGINT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (user_id, kind)
);
