# Trabajo de casos enviado desde portátiles de campo (issue 9, punto 4): rechazos en la página de conflictos del centro, español.
sync-cases-refusals = Trabajo de casos desde portátiles que fue rechazado
sync-cases-refusals-text = El centro lo comprobó con el caso y la derivación tal como están aquí y no lo aplicó; el portátil muestra el mismo motivo en su página de sincronización.
sync-cases-refusals-none = No se rechazó ningún trabajo de casos desde un portátil.
sync-cases-received = Recibido
sync-cases-sealed = (cifrado: abra el caso)
sync-cases-refused-here = Se rechazó un paso de un portátil de campo sobre esta derivación: { $detail }
msg-this-sealed-field-does-not-open-with-the-case-s-key = Este campo cifrado no se abre con la clave del caso.
msg-this-kind-of-case-work-cannot-be-pushed = Este tipo de trabajo de casos no se puede enviar desde un portátil.
msg-this-case-number-was-not-given-by-this-device-s-allocator = Este número de caso no lo asignó el asignador de este dispositivo.
msg-this-case-exists-on-the-hub-already = Este caso ya existe en el centro.
msg-the-step-has-no-id = El paso no tiene identificador.
notify-kind-sync_conflict = Conflicto de sincronización en un caso
notify-text-sync_conflict = Un cambio hecho en un portátil de campo a un caso que usted supervisa choca con el centro. Decida en la página de conflictos de sincronización.
