# Notificaciones: la lista de tareas, las opciones de correo y los correos. Español.
# Los correos solo dicen qué tipo de cosa ocurrió y enlazan con dtz.

notify-tasks = Sus tareas
notify-tasks-none = No tiene nada pendiente.
notify-tasks-count = Tareas abiertas: { $count }
notify-open = Abrir
notify-done = Hecho
notify-done-label = Hecho: { $what }
notify-newer = Tareas más recientes
notify-older = Tareas anteriores
notify-received = Recibida

notify-kind-new_referral = Nueva derivación
notify-kind-referral_overdue = Derivación vencida
notify-kind-value_returned = Valor devuelto para corregir
notify-kind-approval_pending = Aprobación pendiente
notify-kind-deadline_near = Plazo próximo
notify-kind-unknown = Notificación

notify-text-new_referral = Se ha dirigido una nueva derivación a su servicio.
notify-text-referral_overdue = Una derivación que usted sigue ha superado su plazo de respuesta.
notify-text-value_returned = Un valor que usted informó se le ha devuelto para que lo corrija.
notify-text-approval_pending = Hay algo pendiente de su aprobación.
notify-text-deadline_near = Se acerca uno de sus plazos.
notify-text-unknown = Ábrala para ver de qué se trata.

notify-prefs-title = Notificaciones por correo
notify-prefs-intro = Todo lo que requiere su atención aparece en la lista de tareas de la página de inicio. Elija qué quiere recibir también por correo electrónico. Los correos nunca contienen detalles, solo un enlace a la página en dtz.
notify-prefs-legend = Enviarme un correo por:
notify-prefs-save = Guardar opciones
notify-prefs-saved = Sus opciones están guardadas.
notify-mail-on = El correo está configurado: recibe un correo por los tipos que elija.
notify-mail-off = No hay ningún servidor de correo configurado, así que las notificaciones solo aparecen en la lista de tareas de la página de inicio. Sus opciones se aplicarán cuando se configure el correo.
notify-account-heading = Notificaciones
notify-account-link = Elegir qué notificaciones recibir por correo

notify-mail-subject = dtz: { $what }
notify-mail-greeting = Hola:
notify-mail-open = Ábrala en dtz (inicie sesión si se le pide):
notify-mail-no-details = Este correo no contiene detalles, para proteger a las personas afectadas.
notify-mail-why = Lo recibe por su configuración de notificaciones: { $url }
