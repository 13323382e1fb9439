//! What other modules may ask the employee module, by message: the facts of
//! one record that leave, attendance and compliance need (status, dates,
//! manager, time zone; no names or e-mails), and which records a caller may
//! see (the reporting chain). These types, the messages and [`EmployeeId`] are
//! the module's public surface; its rows and repository are not.

use std::collections::HashSet;

use actix::{Message, Recipient};
use chrono::NaiveDate;

use super::model::EmployeeStatus;
use crate::auth::Principal;
use crate::error::AppError;
use crate::modules::Handles;
use crate::shared::{EmployeeId, TimeZone};

/// The facts of one employee record that other modules rely on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmployeeFacts {
    /// The record.
    pub id: EmployeeId,
    /// Employment status.
    pub status: EmployeeStatus,
    /// First day of employment.
    pub hire_date: NaiveDate,
    /// Last day of employment, once terminated.
    pub termination_date: Option<NaiveDate>,
    /// Direct manager.
    pub manager_id: Option<EmployeeId>,
    /// The zone of the employee's local days and weeks.
    pub time_zone: TimeZone,
}

/// Which employee records a caller may see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Visibility {
    /// Every record (admin, hr).
    All,
    /// Only these (a manager: themselves and their whole reporting chain; an
    /// employee: their own record; an unlinked account: none).
    Only(HashSet<EmployeeId>),
}

impl Visibility {
    /// Whether `id` is visible.
    pub fn may_see(&self, id: &EmployeeId) -> bool {
        match self {
            Visibility::All => true,
            Visibility::Only(ids) => ids.contains(id),
        }
    }

    /// As a list filter (`Some(None)`: every employee; `Some(Some(ids))`:
    /// these), narrowed to `only` when given; `None` when `only` is not visible.
    pub fn narrowed_to(self, only: Option<EmployeeId>) -> Option<Option<Vec<EmployeeId>>> {
        match (only, self) {
            (Some(id), vis) if vis.may_see(&id) => Some(Some(vec![id])),
            (Some(_), _) => None,
            (None, Visibility::All) => Some(None),
            (None, Visibility::Only(ids)) => {
                let mut ids: Vec<EmployeeId> = ids.into_iter().collect();
                ids.sort();
                Some(Some(ids))
            }
        }
    }
}

/// The facts of one record, whoever asks (`None`: no such record). Other
/// modules check the caller's visibility with [`VisibleEmployees`].
#[derive(Debug, Clone, Message)]
#[rtype(result = "Result<Option<EmployeeFacts>, AppError>")]
pub struct GetEmployeeFacts {
    /// Which record.
    pub id: EmployeeId,
}

/// The facts of every record in pages, in id order, starting after `after`: for
/// jobs that walk all employees (the leave module's yearly grants). Records
/// terminated before `terminated_since` are left out.
#[derive(Debug, Clone, Message)]
#[rtype(result = "Result<Vec<EmployeeFacts>, AppError>")]
pub struct EmployeeFactsPage {
    /// The last id of the previous page (`None`: from the first).
    pub after: Option<EmployeeId>,
    /// Records per page (1 to 1,000).
    pub limit: i64,
    /// Leave out records whose last day is before this date.
    pub terminated_since: NaiveDate,
}

/// The facts of one record if `by` may see it (`None`: no such record, or not
/// visible to `by`): the visibility check and the read in one message and one
/// query, for handlers that act on one employee.
#[derive(Debug, Clone, Message)]
#[rtype(result = "Result<Option<EmployeeFacts>, AppError>")]
pub struct VisibleFacts {
    /// The caller.
    pub by: Principal,
    /// Which record.
    pub id: EmployeeId,
}

/// The records `by` may see, computed from the reporting chain.
#[derive(Debug, Clone, Message)]
#[rtype(result = "Result<Visibility, AppError>")]
pub struct VisibleEmployees {
    /// The caller.
    pub by: Principal,
}

/// The employee module as another module's handlers see it: its contract
/// messages, sent to the recipients the employee module's mount offered.
#[derive(Clone)]
pub struct EmployeeDirectory {
    facts: Recipient<GetEmployeeFacts>,
    visible: Recipient<VisibleEmployees>,
    visible_facts: Recipient<VisibleFacts>,
}

impl EmployeeDirectory {
    /// From the handles the employee module provided; `module` names the
    /// module that needs them, for the start-up error when it is not mounted.
    pub fn from_handles(handles: &Handles, module: &str) -> anyhow::Result<Self> {
        let missing = |what: &str| {
            anyhow::anyhow!("the {module} module needs the employee module ({what})")
        };
        Ok(Self {
            facts: handles
                .get::<Recipient<GetEmployeeFacts>>()
                .ok_or_else(|| missing("GetEmployeeFacts"))?,
            visible: handles
                .get::<Recipient<VisibleEmployees>>()
                .ok_or_else(|| missing("VisibleEmployees"))?,
            visible_facts: handles
                .get::<Recipient<VisibleFacts>>()
                .ok_or_else(|| missing("VisibleFacts"))?,
        })
    }

    /// The facts of a record, whoever asks (`None`: no such record).
    pub async fn facts(&self, id: EmployeeId) -> Result<Option<EmployeeFacts>, AppError> {
        self.facts.send(GetEmployeeFacts { id }).await?
    }

    /// Which records `by` may see.
    pub async fn visibility(&self, by: &Principal) -> Result<Visibility, AppError> {
        self.visible.send(VisibleEmployees { by: by.clone() }).await?
    }

    /// The facts of a record `by` may see (`None`: no such record or not
    /// visible to `by`, which callers answer alike, with 404).
    pub async fn visible_facts(
        &self,
        by: &Principal,
        id: EmployeeId,
    ) -> Result<Option<EmployeeFacts>, AppError> {
        self.visible_facts
            .send(VisibleFacts { by: by.clone(), id })
            .await?
    }

    /// Whether `by` may see the record `id` (one query, not the whole chain).
    pub async fn may_see(&self, by: &Principal, id: EmployeeId) -> Result<bool, AppError> {
        Ok(self.visible_facts(by, id).await?.is_some())
    }
}
