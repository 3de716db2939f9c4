# Trabajo de casos que una laptop de campo aún no puede enviar al hub (issue 9), español.
msg-this-cannot-be-done-on-a-field-laptop-yet-do-it-on-the-hub-after-syncing = Esto aún no se puede hacer en una laptop de campo: hágalo en el hub después de sincronizar.
