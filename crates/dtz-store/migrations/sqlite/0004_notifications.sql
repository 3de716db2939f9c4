-- Notifications: an outbox of things to tell one person (task list, and e-mail when they
-- want it), and each person's choice of e-mail per kind. Same names and columns as
-- migrations/postgres/0004_notifications.sql. params holds ids, counts and codes only,
-- never case content.

CREATE TABLE notifications (
    id BLOB PRIMARY KEY,
    user_id BLOB NOT NULL REFERENCES users (id),
    kind TEXT NOT NULL,
    link TEXT NOT NULL,
    params TEXT NOT NULL,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    done_at TEXT,
    mail_state TEXT NOT NULL,
    mail_attempts INTEGER NOT NULL,
    mail_next_at TEXT,
    mail_sent_at TEXT,
    mail_error TEXT
) STRICT;
CREATE INDEX notifications_open ON notifications (user_id, done_at, created_at);
CREATE INDEX notifications_mail_due ON notifications (mail_state, mail_next_at);

CREATE TABLE notification_preferences (
    user_id BLOB NOT NULL REFERENCES users (id),
    kind TEXT NOT NULL,
    email INTEGER NOT NULL,
    version INTEGER NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (user_id, kind)
) STRICT;
