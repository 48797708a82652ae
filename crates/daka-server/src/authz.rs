//! The one authorization layer: every route names its action, and this table decides which
//! callers may take it. Scoped reads (employees) are narrowed by [`employee_scope`].

use daka_store::users::Role;

use crate::auth::caller::{Caller, Principal, Via};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Own profile, own password, own tokens.
    Own,
    OwnWrite,
    ReadDepartments,
    WriteDepartments,
    /// Narrowed to the caller's scope.
    ReadEmployees,
    WriteEmployees,
    ReadUsers,
    WriteUsers,
    ReadDevices,
    WriteDevices,
    ReadAudit,
    /// Rules, their versions and assignments.
    ReadRules,
    WriteRules,
    /// Rota entries and an employee's rule in force; narrowed to the caller's scope.
    ReadSchedule,
    WriteRota,
    /// Company special days: the whole company's calendar, readable by everyone in it.
    ReadCalendar,
    WriteCalendar,
    /// Attendance results, narrowed to the caller's scope.
    ReadResults,
    /// A terminal or kiosk acting for its tenant.
    DeviceSubmit,
    ReadSites,
    WriteSites,
    /// Trying a position against a site's fences (changes nothing).
    CheckSites,
    /// Punching: for oneself, or (devices, admin API tokens) for anyone in the tenant.
    Punch,
    /// Narrowed to the caller's scope.
    ReadPunches,
    /// Approving or rejecting exceptions, narrowed to the caller's scope.
    ReviewPunches,
}

impl Action {
    pub fn is_write(self) -> bool {
        matches!(
            self,
            Action::OwnWrite
                | Action::WriteDepartments
                | Action::WriteEmployees
                | Action::WriteUsers
                | Action::WriteDevices
                | Action::WriteRules
                | Action::WriteRota
                | Action::WriteCalendar
                | Action::DeviceSubmit
                | Action::WriteSites
                | Action::Punch
                | Action::ReviewPunches
        )
    }

    /// Roles allowed to take the action.
    pub fn roles(self) -> &'static [Role] {
        use Role::*;
        match self {
            Action::Own | Action::OwnWrite => &[Employee, Supervisor, Admin, Auditor],
            Action::ReadDepartments | Action::ReadEmployees | Action::ReadResults => {
                &[Employee, Supervisor, Admin, Auditor]
            }
            Action::ReadUsers | Action::ReadDevices | Action::ReadAudit => &[Admin, Auditor],
            Action::ReadSchedule | Action::ReadCalendar => &[Employee, Supervisor, Admin, Auditor],
            Action::ReadRules => &[Supervisor, Admin, Auditor],
            Action::WriteRules | Action::WriteRota | Action::WriteCalendar => &[Admin],
            Action::WriteDepartments
            | Action::WriteEmployees
            | Action::WriteUsers
            | Action::WriteDevices => &[Admin],
            Action::DeviceSubmit => &[],
            Action::ReadSites => &[Supervisor, Admin, Auditor],
            Action::WriteSites | Action::CheckSites => &[Admin],
            Action::Punch | Action::ReadPunches => &[Employee, Supervisor, Admin, Auditor],
            Action::ReviewPunches => &[Supervisor, Admin],
        }
    }
}

/// Decides whether the caller may take the action at all (403 otherwise).
pub fn allow(caller: &Caller, action: Action) -> ApiResult<()> {
    match (&caller.principal, action) {
        (Principal::Device { .. }, Action::DeviceSubmit | Action::Punch) => return Ok(()),
        (Principal::Device { .. }, _) => {
            return Err(ApiError::forbidden("devices may only submit punches"));
        }
        (Principal::User { .. }, Action::DeviceSubmit) => {
            return Err(ApiError::forbidden("only devices may use this route"));
        }
        (Principal::User { role, .. }, a) if !a.roles().contains(role) => {
            return Err(ApiError::forbidden(format!(
                "the {} role may not do this",
                role.as_str()
            )));
        }
        _ => {}
    }
    if let Via::Token { scopes } = &caller.via {
        let need = if action.is_write() { "write" } else { "read" };
        if !scopes.iter().any(|s| s == need) {
            return Err(ApiError::forbidden(format!(
                "this token lacks the '{need}' scope"
            )));
        }
    }
    Ok(())
}

/// Which employees a caller may read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scope {
    All,
    /// Employees of these departments (supervisors' subtrees) and the caller's own record.
    Limited {
        departments: Vec<String>,
        own: Option<String>,
    },
}

impl Scope {
    pub fn covers(&self, employee_id: &str, department_id: Option<&str>) -> bool {
        match self {
            Scope::All => true,
            Scope::Limited { departments, own } => {
                own.as_deref() == Some(employee_id)
                    || department_id.is_some_and(|d| departments.iter().any(|x| x == d))
            }
        }
    }
}

pub async fn employee_scope(state: &AppState, caller: &Caller) -> ApiResult<Scope> {
    let Principal::User {
        id,
        role,
        employee_id,
    } = &caller.principal
    else {
        return Err(ApiError::forbidden("devices may only submit punches"));
    };
    Ok(match role {
        Role::Admin | Role::Auditor => Scope::All,
        Role::Supervisor => {
            let led = state.store.led_departments(&caller.tenant, id).await?;
            let departments = state
                .store
                .department_subtrees(&caller.tenant, &led)
                .await?;
            Scope::Limited {
                departments,
                own: employee_id.clone(),
            }
        }
        Role::Employee => Scope::Limited {
            departments: Vec::new(),
            own: employee_id.clone(),
        },
    })
}
