//! Who is asking: the signed-in user, with the one permission rule (`domain::access`) asked of
//! their grants. Transports resolve the session; use cases take the user.

use crate::Error;
use domain::access::{self, Action, Grant, Scope};
use domain::RegionCode;
use store::User;

/// The questions use cases ask of the user they act for.
pub trait Caller {
    fn grants(&self) -> &[Grant];
    /// The user's roles allow `action` on `region`'s subtree.
    fn authorize(&self, action: Action, region: &RegionCode) -> Result<(), Error> {
        access::authorize(self.grants(), action, region).map_err(Error::from)
    }
    /// The subtrees in which `action` is allowed; list queries are limited to them.
    fn scope(&self, action: Action) -> Scope {
        Scope::of(self.grants(), action)
    }
    fn can_anywhere(&self, action: Action) -> bool {
        self.grants().iter().any(|g| g.role.allows(action))
    }
}

impl Caller for User {
    fn grants(&self) -> &[Grant] {
        &self.grants
    }
}
