//! Demo configuration: the ten programme countries with the leads that are public, their
//! emergency numbers, and starting vocabularies in English and Spanish (service types
//! come with every installation: migration 0017).

use crate::config::TermInput;
use crate::{Caller, Result, Services};
use dtz_domain::country::CountryInput;
use dtz_domain::ids::OrgId;
use std::collections::BTreeMap;

/// (country, lead: index into `demo::ALLIANCE` when public, child helpline, police).
/// Numbers are sample data: verify them with the country office before real use.
const COUNTRIES: &[(&str, Option<usize>, &str, &str)] = &[
    ("IN", Some(3), "1098", "112"),
    ("TH", None, "1300", "191"),
    ("ID", None, "129", "110"),
    ("PH", None, "1343", "911"),
    ("DO", None, "700", "911"),
    ("BR", None, "100", "190"),
    ("BO", Some(4), "156", "110"),
    ("NI", Some(4), "133", "118"),
    ("CO", Some(4), "141", "123"),
    ("PE", Some(4), "1810", "105"),
];

/// (vocabulary, code, English, Spanish).
const TERMS: &[(&str, &str, &str, &str)] = &[
    ("signal_category", "online_exploitation", "Sexual exploitation online", "Explotación sexual en línea"),
    ("signal_category", "travel_and_tourism", "Exploitation in travel and tourism", "Explotación en viajes y turismo"),
    ("signal_category", "trafficking", "Trafficking for sexual purposes", "Trata con fines sexuales"),
    ("signal_category", "child_marriage", "Child, early and forced marriage", "Matrimonio infantil, precoz y forzado"),
    ("signal_category", "other", "Other", "Otro"),
    ("referral_outcome", "completed", "Service completed", "Servicio completado"),
    ("referral_outcome", "declined", "Declined by the provider", "Rechazada por el proveedor"),
    ("referral_outcome", "did_not_arrive", "The child did not arrive", "La niña o el niño no llegó"),
    ("referral_outcome", "left_service", "Left the service", "Dejó el servicio"),
    ("referral_outcome", "referred_onward", "Referred onward", "Derivada a otro servicio"),
    ("protection_step", "police_report", "Police report", "Denuncia policial"),
    ("protection_step", "child_welfare_order", "Child-welfare authority order", "Medida de la autoridad de protección"),
    ("protection_step", "court_hearing", "Court hearing", "Audiencia judicial"),
    ("protection_step", "compensation_claim", "Compensation claim", "Reclamo de reparación"),
    ("court_stage", "investigation", "Investigation", "Investigación"),
    ("court_stage", "charged", "Charged", "Acusación formal"),
    ("court_stage", "trial", "Trial", "Juicio"),
    ("court_stage", "verdict", "Verdict", "Sentencia"),
    ("court_stage", "appeal", "Appeal", "Apelación"),
    (
        "offence_type",
        "sexual_exploitation",
        "Sexual exploitation of a child",
        "Explotación sexual de niñas, niños y adolescentes",
    ),
    ("offence_type", "trafficking", "Trafficking in children", "Trata de niñas, niños y adolescentes"),
    ("offence_type", "csam", "Child sexual abuse material", "Material de abuso sexual infantil"),
    ("offence_type", "grooming", "Online grooming", "Grooming en línea"),
    ("activity_type", "training_children", "Training of children", "Capacitación de niñas, niños y adolescentes"),
    ("activity_type", "peer_education", "Peer education", "Educación entre pares"),
    ("activity_type", "awareness_event", "Awareness event", "Evento de sensibilización"),
    ("activity_type", "media_campaign", "Media campaign", "Campaña en medios"),
    ("activity_type", "community_meeting", "Community meeting", "Reunión comunitaria"),
    ("activity_type", "training_professionals", "Training of professionals", "Capacitación de profesionales"),
    ("activity_type", "lobby_meeting", "Lobby meeting", "Reunión de incidencia"),
    ("activity_type", "business_training", "Business training", "Capacitación a empresas"),
    ("instrument_kind", "law", "Law", "Ley"),
    ("instrument_kind", "policy", "Policy", "Política"),
    ("instrument_kind", "national_action_plan", "National action plan", "Plan de acción nacional"),
    ("instrument_kind", "local_action_plan", "Local action plan", "Plan de acción local"),
    ("instrument_kind", "protocol", "Protocol", "Protocolo"),
    ("instrument_kind", "budget_allocation", "Budget allocation", "Asignación presupuestaria"),
    ("instrument_kind", "referral_mechanism", "Referral mechanism", "Mecanismo de derivación"),
];

/// Load countries and vocabularies; `intake` names the organisation receiving public
/// reports in countries whose lead is not public.
pub async fn load(s: &Services, alliance: &[OrgId], intake: &[(&str, OrgId)]) -> Result<()> {
    let sys = Caller::System;
    for (code, lead, helpline, police) in COUNTRIES {
        let input = CountryInput {
            country: (*code).into(),
            lead_org: lead
                .and_then(|i| alliance.get(i).copied())
                .or_else(|| intake.iter().find(|(c, _)| c == code).map(|(_, o)| *o)),
            helpline: (*helpline).into(),
            police: (*police).into(),
            answer_within_hours: "48".into(),
            retention_closed_case_months: "120".into(),
            retention_signal_months: "24".into(),
            urgent_pickup_minutes: "60".into(),
        };
        s.save_country(&sys, &input, 0).await?;
    }
    let mut order: BTreeMap<&str, i64> = BTreeMap::new();
    for (vocab, code, en, es) in TERMS {
        let n = order.entry(vocab).or_insert(0);
        *n += 10;
        let labels = BTreeMap::from([("en".to_owned(), (*en).to_owned()), ("es".to_owned(), (*es).to_owned())]);
        let input =
            TermInput { code: (*code).into(), country: String::new(), sort_order: n.to_string(), active: true, labels };
        s.create_term(&sys, vocab, &input).await?;
    }
    // The Philippines' court stages: a legal system of its own, configured for the
    // country alone (its prosecutions use these instead of the general ones).
    for (i, (code, en, es)) in super::work::PH_COURT_STAGES.iter().enumerate() {
        let labels = BTreeMap::from([("en".to_owned(), (*en).to_owned()), ("es".to_owned(), (*es).to_owned())]);
        let order = (i as i64 + 1) * 10;
        let input = TermInput {
            code: (*code).into(),
            country: "PH".into(),
            sort_order: order.to_string(),
            active: true,
            labels,
        };
        s.create_term(&sys, "court_stage", &input).await?;
    }
    Ok(())
}
