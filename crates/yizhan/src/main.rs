//! `yizhan`: serve the platform, prepare databases, move the catalog and calendar in and out.

use anyhow::{bail, Context, Result};
use chrono::NaiveDate;
use clap::{Parser, Subcommand};
use domain::calendar::{parse_holiday_csv, WorkingCalendar};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use store::Store;

mod config;

// Requests allocate and free many small buffers on two threads' worth of cores; mimalloc's
// per-thread free lists cost less than glibc's arenas here (docs/PERFORMANCE.md, issue 18).
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "yizhan",
    version,
    about = "一站 — 市县乡村四级行政服务网络平台",
    after_help = "设置的来源依次为:内置默认值、yizhan.toml(或 --config 指定的文件)、YIZHAN_* 环境变量\
                  (YIZHAN_DATABASE_URL、YIZHAN_BIND 等)、命令行参数,后者覆盖前者。`yizhan config` \
                  显示最终生效的设置。"
)]
struct Cli {
    /// 配置文件(TOML)。默认:工作目录下的 yizhan.toml(如有)。
    #[arg(long, global = true, env = "YIZHAN_CONFIG")]
    config: Option<PathBuf>,
    /// 数据库地址:`sqlite://路径`(默认 数据目录/yizhan.db)或 `postgres://用户@主机/库名`。
    #[arg(long, global = true)]
    database: Option<String>,
    /// 从此时刻起运行(RFC 3339,如 2026-03-12T02:00:00Z),时间照常流逝;仅用于演示和测试,生产环境切勿设置。
    #[arg(long, global = true, env = "YIZHAN_NOW")]
    now: Option<String>,
    /// SQLite 数据库和上传文件所在的数据目录(默认:yizhan-data)。
    #[arg(long, global = true)]
    data_dir: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// 启动网站服务。
    Serve {
        /// 监听地址(默认:127.0.0.1:8080)。
        #[arg(long)]
        bind: Option<String>,
        /// 公众访问本平台的地址,用于二维码和链接(默认:http://监听地址)。
        #[arg(long)]
        public_url: Option<String>,
        /// 启动前载入演示数据(只载入一次)。
        #[arg(long)]
        demo: bool,
        /// Cookie 不带 Secure 标志(仅用于无 TLS 的内网 HTTP,不得用于互联网)。
        #[arg(long)]
        insecure_cookies: bool,
    },
    /// 显示生效的配置(密钥隐去)及每项的来源。
    Config,
    /// 输出接口文档(OpenAPI 3.1,JSON),与 /api/v1/openapi.json 相同。
    Openapi,
    /// 创建或升级数据库。
    Init,
    /// 载入演示数据(只载入一次)。
    Demo,
    /// 核验全部记录(哈希链、链长、日志重放、密码套件、办件编号、只增不改触发器),全部无误时退出码为 0,否则逐项列出问题。
    Verify {
        /// 以 JSON 输出报告。
        #[arg(long)]
        json: bool,
        /// 库外保存的检查点(`yizhan checkpoint export` 导出的文件):每个须与库中同号的一致,且不得缺失。
        #[arg(long)]
        checkpoints: Option<PathBuf>,
    },
    /// 记录的签名检查点。
    Checkpoint {
        #[command(subcommand)]
        action: CheckpointCmd,
    },
    /// 事项目录导入导出(按扩展名为 .xlsx 或 .csv)。
    Catalog {
        #[command(subcommand)]
        action: CatalogCmd,
    },
    /// 工作日历。
    Calendar {
        #[command(subcommand)]
        action: CalendarCmd,
    },
}

#[derive(Subcommand)]
enum CheckpointCmd {
    /// 立即封存一个检查点(服务每小时也会封存一次)。
    Seal,
    /// 将全部检查点及核验用的公钥以 JSON 写入文件(或标准输出):供监督部门或外部机构留存。
    Export {
        /// 输出文件(省略则写到标准输出)。
        file: Option<PathBuf>,
    },
    /// 改用新密钥签名;旧密钥留在密钥环中,用于核验其签过的内容。
    RotateKey,
}

#[derive(Subcommand)]
enum CatalogCmd {
    /// 导入整个目录文件;任一行有误则全部不导入。
    Import {
        /// 目录文件(.xlsx 或 .csv)。
        file: PathBuf,
    },
    /// 导出全部事项的全部版本。
    Export {
        /// 输出文件(.xlsx 或 .csv)。
        file: PathBuf,
    },
}

#[derive(Subcommand)]
enum CalendarCmd {
    /// 载入 cn-holidays.csv 格式的节假日安排(覆盖其所含年份)。
    Import {
        /// 节假日文件。
        file: PathBuf,
    },
    /// 显示日期(YYYY-MM-DD)之后第 N 个工作日,从下一个工作日起算。
    AddWorkingDays {
        /// 起算日期(YYYY-MM-DD)。
        date: String,
        /// 工作日数。
        n: u32,
        /// 使用此节假日文件,而非数据库中的日历。
        #[arg(long)]
        holidays: Option<PathBuf>,
        /// 计入此区划的临时停办日(仅限数据库日历)。
        #[arg(long)]
        region: Option<String>,
    },
}

/// The help in Chinese, the command and option names as they are (issue 19, finding 8): headings,
/// the help and version flags' text, and no `help` subcommand, on every command.
fn zh(cmd: clap::Command) -> clap::Command {
    cmd.help_template("{about-with-newline}\n用法:{usage}\n\n{all-args}{after-help}")
        .subcommand_help_heading("命令")
        .disable_help_subcommand(true)
        .disable_help_flag(true)
        .disable_version_flag(true)
        .mut_args(|a| {
            let heading = if a.is_positional() {
                "参数"
            } else {
                "选项"
            };
            a.help_heading(heading)
        })
        .arg(
            clap::Arg::new("help")
                .short('h')
                .long("help")
                .action(clap::ArgAction::Help)
                .help("显示帮助")
                .help_heading("选项"),
        )
        .mut_subcommands(zh)
}

/// The command line, parsed with the Chinese help.
fn parse_cli() -> Cli {
    use clap::{CommandFactory, FromArgMatches};
    let cmd = zh(Cli::command()).arg(
        clap::Arg::new("version")
            .short('V')
            .long("version")
            .action(clap::ArgAction::Version)
            .help("显示版本")
            .help_heading("选项"),
    );
    Cli::from_arg_matches(&cmd.get_matches()).unwrap_or_else(|e| e.exit())
}

fn main() -> Result<()> {
    let cli = parse_cli();
    let flags = flags(&cli);
    let settings = match config::load(cli.config.as_deref(), &flags) {
        Ok(s) => s,
        Err(e) => {
            // A plain message: a configuration mistake is not a crash.
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    let filter = tracing_subscriber::EnvFilter::new(web::logging::filter(
        std::env::var("RUST_LOG").ok().as_deref(),
    ));
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match settings.log_format {
        config::LogFormat::Text => logs.init(),
        config::LogFormat::Json => logs.json().init(),
    }
    if let Command::Config = cli.command {
        let figment =
            config::figment(cli.config.as_deref(), &flags).map_err(|e| anyhow::anyhow!(e))?;
        print!("{}", settings.describe(&figment));
        return Ok(());
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(run(cli, settings))
}

/// The settings given as flags, the last layer of the configuration.
fn flags(cli: &Cli) -> config::Flags {
    let mut f = config::Flags {
        database_url: cli.database.clone(),
        data_dir: cli.data_dir.clone(),
        ..config::Flags::default()
    };
    if let Command::Serve {
        bind,
        public_url,
        insecure_cookies,
        ..
    } = &cli.command
    {
        f.bind = bind.clone();
        f.public_url = public_url.clone();
        f.insecure_cookies = insecure_cookies.then_some(true);
    }
    f
}

fn clock(cli: &Cli) -> Result<Arc<dyn app::Clock>> {
    Ok(match &cli.now {
        Some(t) => {
            let at = chrono::DateTime::parse_from_rfc3339(t)
                .with_context(|| format!("YIZHAN_NOW “{t}” 应为 RFC 3339 时间"))?;
            Arc::new(app::OffsetClock::starting_at(
                at.with_timezone(&chrono::Utc),
            ))
        }
        None => Arc::new(app::SystemClock),
    })
}

/// Opens (creating and migrating) the store the URL names.
/// Records the configured crypto suite on a new database, and refuses one made with the other.
async fn record_suite(store: &dyn Store, settings: &config::Settings) -> Result<()> {
    let recorded = store
        .init_record_suite(settings.crypto_suite, chrono::Utc::now())
        .await?;
    if recorded != settings.crypto_suite {
        bail!(
            "数据库的记录使用 {}(crypto_suite = \"{}\"),而配置为 {};算法不能混用,请改正配置",
            recorded.label(),
            recorded.as_str(),
            settings.crypto_suite.label()
        );
    }
    Ok(())
}

/// The key ring at the configured place, made there on first use. A ring beside the data is
/// fine for a demo and wrong in production: said at every start.
fn key_ring(settings: &config::Settings) -> Result<crypto::KeyRing> {
    let (path, default) = settings.signing_key();
    let (ring, created) =
        app::keys::load_or_create(&path, settings.crypto_suite, chrono::Utc::now())?;
    if created {
        tracing::warn!(path = %path.display(), "created a new key ring for the record");
    }
    if default {
        eprintln!(
            "警告:签名密钥位于数据目录 {}。生产环境请将密钥放在另一磁盘、KMS 或 HSM 中,\
             并在 yizhan.toml 中设置 signing_key。",
            path.display()
        );
        tracing::warn!(path = %path.display(), "the signing key is kept beside the data");
    }
    Ok(ring)
}

/// What a command needs of the key ring: `serve` and the commands that write make it on first
/// use; `verify` only reads an existing one.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Keys {
    MakeIfMissing,
    MustExist,
}

/// Opens the store with the key ring it seals personal data with. The database's recorded suite
/// is checked against the configuration first (recorded on a new database), so a ring is never
/// made for the wrong suite and the two are never mixed.
async fn open_keyed(
    url: &str,
    settings: &config::Settings,
    keys: Keys,
) -> Result<(Arc<dyn Store>, crypto::KeyRing)> {
    {
        // Nothing sealed is read on this first opening: its keys are throwaway.
        let probe = crypto::SoftProvider::ephemeral(settings.crypto_suite);
        let store = open_store(url, store::vault::Vault::new(Arc::new(probe))).await?;
        record_suite(store.as_ref(), settings).await?;
    }
    let ring = match keys {
        Keys::MakeIfMissing => key_ring(settings)?,
        Keys::MustExist => {
            let (path, _) = settings.signing_key();
            if !path.exists() {
                bail!(
                    "找不到密钥文件 {}:记录中的个人信息已加密,校验需要读取它们。                     请在 yizhan.toml 中设置 signing_key 指向服务器使用的密钥文件",
                    path.display()
                );
            }
            app::keys::load(&path)?
        }
    };
    let vault = app::keys::vault(ring.clone())?;
    Ok((open_store(url, vault).await?, ring))
}

async fn open_store(url: &str, vault: store::vault::Vault) -> Result<Arc<dyn Store>> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        let s = store_postgres::PgStore::connect(url, vault)
            .await
            .with_context(|| "无法连接 PostgreSQL")?;
        Ok(Arc::new(s))
    } else if let Some(path) = url.strip_prefix("sqlite://") {
        if let Some(parent) = Path::new(path).parent() {
            if !parent.as_os_str().is_empty() {
                std::fs::create_dir_all(parent)
                    .with_context(|| format!("无法创建目录 {}", parent.display()))?;
            }
        }
        Ok(Arc::new(
            store_sqlite::SqliteStore::open(path, vault)
                .with_context(|| format!("无法打开 SQLite 数据库 {path}"))?,
        ))
    } else {
        bail!("不支持的数据库地址 {url}:应以 sqlite:// 或 postgres:// 开头")
    }
}

async fn load_demo(store: &dyn Store) -> Result<bool> {
    let hash =
        app::accounts::hash_password(demo::DEMO_PASSWORD).map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(demo::load(store, &hash).await?)
}

fn print_logins() {
    println!("演示账户(密码均为 {}):", demo::DEMO_PASSWORD);
    for l in demo::featured_logins() {
        println!(
            "  {:<24} {:<8} {} {}",
            l.username,
            l.role.label(),
            l.region_name,
            l.display_name
        );
    }
}

async fn run(cli: Cli, settings: config::Settings) -> Result<()> {
    let url = settings.database_url();
    match &cli.command {
        Command::Config => Ok(()),
        Command::Openapi => {
            println!(
                "{}",
                serde_json::to_string_pretty(web::api::openapi::document())?
            );
            Ok(())
        }
        Command::Serve {
            demo: with_demo, ..
        } => {
            let bind = &settings.bind;
            let (store, _) = open_keyed(&url, &settings, Keys::MakeIfMissing).await?;
            if *with_demo && load_demo(store.as_ref()).await? {
                tracing::info!("demo data loaded");
            }
            let listener = tokio::net::TcpListener::bind(bind)
                .await
                .with_context(|| format!("无法监听 {bind}"))?;
            let addr = listener.local_addr()?;
            let mut config = settings.web_config();
            if settings.public_url.is_none() {
                // Unset: the address actually bound (a port of 0 is known only now).
                config.public_url = format!("http://{addr}");
                if addr.ip().is_unspecified() {
                    // Every QR code on a notice would point at 0.0.0.0: say so where it is seen.
                    eprintln!(
                        "警告:未设置 public_url,而监听地址为 {addr};文书二维码将指向无法访问的地址。\
                         请在 yizhan.toml 或 YIZHAN_PUBLIC_URL 中设置对外地址。"
                    );
                    tracing::warn!(%addr, "public_url unset while listening on all addresses");
                }
            }
            let state = app::Services::new(store, clock(&cli)?, config).await?;
            let sealed = app::personal::seal_existing(&state).await?;
            if sealed > 0 {
                tracing::info!(
                    rows = sealed,
                    "personal data written before is now encrypted"
                );
            }
            if *with_demo && app::demo_cases::load(&state).await? {
                tracing::info!("demo cases loaded");
            }
            tokio::spawn(app::jobs::run(state.clone()));
            tokio::spawn(app::jobs::watch_caches(state.clone()));
            println!(
                "一站 yizhan 已启动:http://{addr}/  (对外地址:{};数据库:{})",
                state.config.public_url,
                state.store.backend_name()
            );
            if *with_demo {
                print_logins();
            }
            axum::serve(
                listener,
                web::app(state).into_make_service_with_connect_info::<std::net::SocketAddr>(),
            )
            .with_graceful_shutdown(shutdown())
            .await?;
            Ok(())
        }
        Command::Verify { json, checkpoints } => {
            // Verify never makes keys; it needs the ring to read the sealed record.
            let (store, ring) = open_keyed(&url, &settings, Keys::MustExist).await?;
            let keys = ring.public_keys();
            let outside: Option<app::checkpoints::Export> = match checkpoints {
                Some(f) => Some(
                    serde_json::from_slice(
                        &std::fs::read(f).with_context(|| format!("无法读取 {}", f.display()))?,
                    )
                    .with_context(|| format!("{} 不是检查点文件", f.display()))?,
                ),
                None => None,
            };
            let trust = app::verify::Trust {
                keys: &keys,
                outside: outside.as_ref(),
            };
            let report = app::verify::run(store.as_ref(), chrono::Utc::now(), &trust).await?;
            app::audit::record_in(
                store.as_ref(),
                domain::audit::AuditAction::VerifyRun,
                "record",
                if report.intact() {
                    domain::audit::Outcome::Success
                } else {
                    domain::audit::Outcome::Failure
                },
                app::verify::summary(&report),
            )
            .await?;
            if *json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                for f in &report.findings {
                    eprintln!("{}", f.message());
                }
                println!(
                    "已校验 {} 个办件、{} 条日志、{} 个已发出编号、{} 个检查点{}({}):{}",
                    report.cases,
                    report.events,
                    report.numbers,
                    report.checkpoints,
                    if report.signatures_checked {
                        "及其签名"
                    } else {
                        "(未找到公钥,签名未校验)"
                    },
                    report.suite.label(),
                    if report.intact() {
                        "记录完整。".to_string()
                    } else {
                        format!("发现 {} 个问题。", report.findings.len())
                    }
                );
            }
            if report.intact() {
                Ok(())
            } else {
                // The findings are printed; the exit code tells scripts.
                std::process::exit(1)
            }
        }
        Command::Checkpoint { action } => {
            let (store, ring) = open_keyed(&url, &settings, Keys::MakeIfMissing).await?;
            match action {
                CheckpointCmd::Seal => {
                    let p = crypto::SoftProvider::new(ring)?;
                    let cp =
                        app::checkpoints::seal_with(store.as_ref(), &p, chrono::Utc::now()).await?;
                    app::audit::record_in(
                        store.as_ref(),
                        domain::audit::AuditAction::CheckpointSealed,
                        format!("checkpoint:{}", cp.seq),
                        domain::audit::Outcome::Success,
                        format!("封存条目 {}", cp.tree_size),
                    )
                    .await?;
                    println!(
                        "第 {} 号检查点已生成:{} 个叶子,根 {}",
                        cp.seq,
                        cp.tree_size,
                        hex::encode(cp.root)
                    );
                }
                CheckpointCmd::Export { file } => {
                    let p = crypto::SoftProvider::new(ring)?;
                    let e = app::checkpoints::export(store.as_ref(), &p).await?;
                    let text = serde_json::to_string_pretty(&e)?;
                    match file {
                        Some(f) => std::fs::write(f, text)
                            .with_context(|| format!("无法写入 {}", f.display()))?,
                        None => println!("{text}"),
                    }
                }
                CheckpointCmd::RotateKey => {
                    let mut ring = ring;
                    ring.rotate_signing(&chrono::Utc::now().to_rfc3339())?;
                    app::keys::save(&settings.signing_key().0, &ring)?;
                    app::audit::record_in(
                        store.as_ref(),
                        domain::audit::AuditAction::SigningKeyRotated,
                        format!("key:{}", ring.public_keys()[0].id()),
                        domain::audit::Outcome::Success,
                        format!("保留旧公钥 {} 个", ring.retired.len()),
                    )
                    .await?;
                    println!(
                        "已启用新签名密钥 {};旧密钥 {} 个保留用于验证。",
                        ring.public_keys()[0].id(),
                        ring.retired.len()
                    );
                }
            }
            Ok(())
        }
        Command::Init => {
            let (store, _) = open_keyed(&url, &settings, Keys::MakeIfMissing).await?;
            println!("数据库已就绪({})", store.backend_name());
            Ok(())
        }
        Command::Demo => {
            let (store, _) = open_keyed(&url, &settings, Keys::MakeIfMissing).await?;
            if load_demo(store.as_ref()).await? {
                println!("演示数据已导入。");
            } else {
                println!("演示数据此前已导入,未重复导入。");
            }
            let state = app::Services::new(store, clock(&cli)?, settings.web_config()).await?;
            app::personal::seal_existing(&state).await?;
            if app::demo_cases::load(&state).await? {
                println!("演示办件已生成。");
            }
            print_logins();
            Ok(())
        }
        Command::Catalog { action } => {
            let (store, _) = open_keyed(&url, &settings, Keys::MakeIfMissing).await?;
            match action {
                CatalogCmd::Import { file } => {
                    let format = catalog_io::Format::from_path(file)
                        .context("文件扩展名应为 .xlsx 或 .csv")?;
                    let bytes = std::fs::read(file)
                        .with_context(|| format!("无法读取 {}", file.display()))?;
                    let items = match catalog_io::import(&bytes, format) {
                        Ok(items) => items,
                        Err(errs) => {
                            eprintln!("{errs}");
                            bail!("文件有{}处错误,未导入任何内容", errs.errors.len());
                        }
                    };
                    let s = store.import_items(&items).await?;
                    println!(
                        "导入完成:新增 {},更新 {},未变 {}",
                        s.inserted, s.updated, s.unchanged
                    );
                }
                CatalogCmd::Export { file } => {
                    let format = catalog_io::Format::from_path(file)
                        .context("文件扩展名应为 .xlsx 或 .csv")?;
                    let mut all = vec![];
                    for i in store.list_items(&store::ItemFilter::default()).await? {
                        all.extend(store.list_versions(&i.code).await?);
                    }
                    let bytes = catalog_io::export(&all, format)?;
                    std::fs::write(file, bytes)
                        .with_context(|| format!("无法写入 {}", file.display()))?;
                    println!("已导出 {} 个事项版本到 {}", all.len(), file.display());
                }
            }
            Ok(())
        }
        Command::Calendar { action } => match action {
            CalendarCmd::Import { file } => {
                let text = std::fs::read_to_string(file)
                    .with_context(|| format!("无法读取 {}", file.display()))?;
                let days = parse_holiday_csv(&text).map_err(|e| anyhow::anyhow!("{e}"))?;
                let (store, _) = open_keyed(&url, &settings, Keys::MakeIfMissing).await?;
                store.replace_calendar_years(&days).await?;
                println!("已导入 {} 天", days.len());
                Ok(())
            }
            CalendarCmd::AddWorkingDays {
                date,
                n,
                holidays,
                region,
            } => {
                let from = NaiveDate::parse_from_str(date, "%Y-%m-%d")
                    .with_context(|| format!("日期“{date}”应为YYYY-MM-DD"))?;
                let cal = match holidays {
                    Some(f) => {
                        let text = std::fs::read_to_string(f)
                            .with_context(|| format!("无法读取 {}", f.display()))?;
                        WorkingCalendar::new(
                            parse_holiday_csv(&text).map_err(|e| anyhow::anyhow!("{e}"))?,
                        )
                    }
                    None => {
                        let (store, _) = open_keyed(&url, &settings, Keys::MakeIfMissing).await?;
                        let base = WorkingCalendar::new(store.list_calendar_days().await?);
                        match region {
                            Some(r) => {
                                let code = domain::RegionCode::parse(r)
                                    .map_err(|e| anyhow::anyhow!("{e}"))?;
                                base.with_closures(
                                    store
                                        .closures_affecting(&code)
                                        .await?
                                        .into_iter()
                                        .map(|c| c.date),
                                )
                            }
                            None => base,
                        }
                    }
                };
                let d = cal.deadline(from, *n);
                println!("{}", d.date.format("%Y-%m-%d"));
                if d.is_provisional() {
                    eprintln!(
                        "注意:{:?} 年的节假日安排未导入,按周一至周五计算",
                        d.unscheduled_years
                    );
                }
                Ok(())
            }
        },
    }
}

async fn shutdown() {
    // Ctrl-C or SIGTERM (service managers) start a graceful shutdown.
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term => {}
    }
    tracing::info!("shutting down");
    // Live monitor streams (SSE) never end by themselves; every acknowledged write is already
    // durable, so after a short grace period the process simply exits.
    tokio::spawn(async {
        tokio::time::sleep(std::time::Duration::from_secs(3)).await;
        std::process::exit(0);
    });
}
