//! A case sent to the caller's organisation: its number, country and risk (nothing
//! sealed), to accept into one of the organisation's teams or to decline.

use super::{SelectOption, case_staff_only};
use crate::auth::PageUser;
use crate::error::AppError;
use crate::extract::{Form, IdPath};
use crate::pages::{Errors, Page, render};
use crate::state::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use dtz_domain::case::{CaseTransferId, TransferState};
use dtz_domain::ids::{OrgId, TeamId};
use serde::Deserialize;

#[derive(Template)]
#[template(path = "cases/transfer.html")]
struct TransferPage {
    page: Page,
    id: uuid::Uuid,
    number: String,
    country: String,
    risk: String,
    from: String,
    since: String,
    pending: bool,
    teams: Vec<SelectOption>,
    errors: Errors,
}

async fn transfer_page(
    state: &AppState,
    user: &PageUser,
    id: CaseTransferId,
    errors: Errors,
) -> Result<TransferPage, AppError> {
    case_staff_only(user)?;
    let t = state.services.transfer(&user.caller, id.0).await?;
    let page = Page::signed_in(state, user, "transfer-title", "/cases").await;
    let tr = &page.tr;
    let mut teams = vec![SelectOption::new("", tr.t("signal-none-chosen"), "")];
    teams.extend(
        state
            .services
            .org_teams(OrgId(t.transfer.to_org_id))
            .await?
            .into_iter()
            .map(|x| SelectOption::new(x.id.to_string(), x.name, "")),
    );
    Ok(TransferPage {
        id: t.transfer.id,
        number: t.number,
        country: dtz_domain::org::CountryCode::parse("c", &t.transfer.country)
            .map(|c| c.name())
            .unwrap_or_default()
            .to_owned(),
        risk: t.risk.map(|r| tr.t(&format!("case-risk-{r}"))).unwrap_or_else(|| tr.t("case-risk-none")),
        from: t.from_name,
        since: tr.datetime(t.transfer.requested_at),
        pending: t.transfer.state == TransferState::Pending.as_str(),
        teams,
        errors,
        page,
    })
}

/// The transfer.
pub async fn show(
    State(state): State<AppState>,
    user: PageUser,
    IdPath(id): IdPath<CaseTransferId>,
) -> Result<Response, AppError> {
    Ok(render(&transfer_page(&state, &user, id, Errors::default()).await?))
}

/// Accept or decline.
#[derive(Deserialize)]
pub struct DecideForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    team: String,
}

/// Accept (then open the case) or decline (back to the list).
pub async fn decide(
    State(state): State<AppState>,
    user: PageUser,
    IdPath(id): IdPath<CaseTransferId>,
    Form(f): Form<DecideForm>,
) -> Result<Response, AppError> {
    case_staff_only(&user)?;
    user.check_csrf(&f.csrf)?;
    let accept = f.action == "accept";
    let team = f.team.parse::<uuid::Uuid>().ok().map(TeamId);
    match state.services.decide_transfer(&user.caller, id.0, accept, team).await {
        Ok(()) if accept => {
            let t = state.services.transfer(&user.caller, id.0).await?;
            Ok(Redirect::to(&format!("/cases/{}?done=accepted", t.transfer.case_id)).into_response())
        }
        Ok(()) => Ok(Redirect::to("/cases").into_response()),
        Err(e) => {
            let errors = Errors::from_service(e)?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&transfer_page(&state, &user, id, errors).await?))
                .into_response())
        }
    }
}
