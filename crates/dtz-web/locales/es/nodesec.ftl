# Dispositivos de campo: claves, anclaje de la auditoría, cuarentena (issue 9, puntos 5 y 6).
audit-filter-device = Dispositivo de campo (sus eventos sin conexión)
msg-choose-a-passphrase-of-at-least-n-characters = Elija una frase de paso de al menos { $n1 } caracteres.
msg-this-node-has-no-keyring = Este dispositivo no tiene llavero.
msg-this-passphrase-does-not-unlock-the-node = Esta frase de paso no desbloquea el dispositivo.
msg-the-case-key-was-not-wrapped-for-this-hub = La clave del caso no se envolvió para este centro.
msg-the-batch-is-not-signed-by-this-device = El lote no está firmado por este dispositivo.
msg-the-hub-s-receipt-does-not-match-the-batch-or-its-key = El recibo del centro no corresponde al lote o a su clave.
msg-this-device-was-revoked-what-it-sent-is-kept-for-review-and-not-applied = Este dispositivo fue revocado: lo que envió se guarda para revisión y no se aplica.
msg-this-node-holds-no-escrow-key-from-its-hub-yet-run-dtz-node-sync-first = Este dispositivo aún no tiene la clave de custodia de su centro: ejecute primero dtz node sync.
