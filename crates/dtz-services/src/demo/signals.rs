//! Sample signals: reports as they arrive from the public page in Bolivia and India,
//! one with a staff reply. Invented, and marked as sample data in their text.

use crate::{Caller, Result, Services};
use dtz_domain::signal::ReportInput;
use dtz_store::Sql;

/// One sample report: country, page language, and the form as typed.
struct Sample {
    country: &'static str,
    lang: &'static str,
    /// what, where, when, who is at risk, contact, safe to call.
    form: [&'static str; 6],
}

const SAMPLES: &[Sample] = &[
    Sample {
        country: "BO",
        lang: "es",
        form: [
            "(Datos de ejemplo) Un hombre ofrece dinero y saldo de teléfono a chicas del colegio para que se encuentren con turistas.",
            "Plaza cerca de la terminal de buses; también escribe por una aplicación de mensajes, cuenta @ejemplo_demo",
            "Desde hace dos semanas, por las tardes",
            "Chicas de unos 14 a 16 años",
            "",
            "",
        ],
    },
    Sample {
        country: "BO",
        lang: "es",
        form: [
            "(Datos de ejemplo) Mi amiga dice que un señor le pide fotos por internet y le promete trabajo.",
            "Una red social, cuenta @trabajo_demo",
            "Ayer",
            "Mi amiga, 15 años",
            "Mensaje al 700 00000 (ejemplo)",
            "not_sure",
        ],
    },
    Sample {
        country: "IN",
        lang: "hi",
        form: [
            "(नमूना डेटा) एक होटल में रात को नाबालिग लड़कियों को लाया जाता है।",
            "स्टेशन के पास एक होटल",
            "पिछले महीने से",
            "लगभग 13–16 साल की लड़कियाँ",
            "",
            "",
        ],
    },
];

/// Receive the sample reports through the same use case as the public page, then
/// write to the reporter of the first one from a template.
pub async fn load(s: &Services) -> Result<()> {
    for sample in SAMPLES {
        let [what, place, when, at_risk, contact, safe] = sample.form.map(String::from);
        let input = ReportInput { what, place, when, at_risk, contact, safe_to_call: safe, ..Default::default() };
        s.submit_report(sample.country, sample.lang, &input).await?;
    }
    let first: Option<(uuid::Uuid,)> =
        s.db.read()
            .fetch_optional(&Sql::new("SELECT id FROM signals WHERE country = 'BO' ORDER BY created_at, id LIMIT 1"))
            .await?;
    if let Some((id,)) = first {
        s.reply_to_reporter(&Caller::System, id, "thanks").await?;
    }
    Ok(())
}
