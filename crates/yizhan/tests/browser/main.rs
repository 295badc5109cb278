//! End-to-end test in a real browser: the `yizhan` binary with demo data, driven through
//! chromedriver + headless Debian Chromium. Signs in, opens the catalog and a full guide,
//! signs out, and saves screenshots to `target/screenshots/` for a human to look at.
//!
//! A second test walks a case through its whole life (issue 3), signing in as each person; a
//! third takes a villager's homestead application from the village through the township's first
//! review to the county's decision and back to the village (issue 4). A fourth moves the clock
//! by restarting the server with a later `YIZHAN_NOW` and watches a case turn yellow then red on
//! the supervisor's live monitor, with an order and the ranking of township centers (issue 5); a
//! fifth is the citizen's portal on a phone: search, guide, apply, lookup, a bad rating followed up
//! to closed, a complaint answered, and the kiosk (issue 6).
//!
//! Without chromedriver the test is skipped, unless `YIZHAN_REQUIRE_BROWSER=1` (CI), where it fails.
//!
//! One module per journey; `harness` starts what they run against, `steps` is what they share.

pub(crate) use anyhow::{ensure, Context, Result};
pub(crate) use fantoccini::{Client, ClientBuilder, Locator};
pub(crate) use std::io::{BufRead, BufReader};
pub(crate) use std::os::unix::process::CommandExt;
pub(crate) use std::path::{Path, PathBuf};
pub(crate) use std::process::{Child, Command, Stdio};
pub(crate) use std::sync::mpsc;
pub(crate) use std::time::{Duration, Instant};

mod case;
mod first_look;
mod harness;
mod homestead;
mod portal;
mod record;
mod second_factor;
mod steps;
mod supervision;

pub(crate) use harness::*;
pub(crate) use steps::*;
