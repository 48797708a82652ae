//! `daka`: the attendance system's command-line entry point. Thin: each subcommand calls into
//! the library crates.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

// mimalloc: the punch path allocates many small JSON values; measured with the ingest bench
// (see docs/design.md, "The punch path").
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod admin;
mod export;
mod import;
mod keys;
mod serve;

#[derive(Parser)]
#[command(
    name = "daka",
    version,
    about = "Daka attendance system / Daka 考勤系统"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Compute attendance results for a scenario file (TOML or JSON) and print them as JSON lines.
    Simulate {
        /// The scenario file (see docs/scenario.md).
        file: PathBuf,
        /// Also print a summary per employee and month after the day results.
        #[arg(long)]
        month: bool,
        /// Pretty-print each JSON object.
        #[arg(long)]
        pretty: bool,
    },
    /// Run the HTTP server (configuration: docs/configuration.md).
    Serve {
        /// A TOML configuration file; DAKA_* environment variables override it.
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// Start Daka with a demo company on a fresh embedded database: about 50 employees, sites,
    /// rules, a rota and this month's punches; prints logins.
    Demo {
        /// Address and port to listen on.
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: String,
        /// Data directory for the demo database, keys and photos; must not exist or be empty.
        /// Default: a new directory under the system's temporary directory.
        #[arg(long)]
        data_dir: Option<PathBuf>,
    },
    /// Print the OpenAPI document.
    Openapi,
    /// Configuration helpers.
    Config {
        #[command(subcommand)]
        command: ConfigCommand,
    },
    /// Operator commands against the configured database.
    Admin {
        #[arg(long, global = true)]
        config: Option<PathBuf>,
        #[command(subcommand)]
        command: AdminCommand,
    },
    /// Import data files into the configured database.
    Import {
        #[arg(long, global = true)]
        config: Option<PathBuf>,
        #[command(subcommand)]
        command: ImportCommand,
    },
    /// Export stored data.
    Export {
        #[arg(long, global = true)]
        config: Option<PathBuf>,
        #[command(subcommand)]
        command: ExportCommand,
    },
    /// Audit log commands.
    Audit {
        #[arg(long, global = true)]
        config: Option<PathBuf>,
        #[command(subcommand)]
        command: AuditCommand,
    },
}

#[derive(Subcommand)]
enum ConfigCommand {
    /// Print a commented example configuration.
    Default,
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Create a tenant (a company); prints its id.
    CreateTenant { name: String },
    /// Create a user. The password is read from stdin with --password-stdin, else generated.
    CreateUser {
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        username: String,
        /// employee, supervisor, admin or auditor
        #[arg(long)]
        role: String,
        /// Link the user to an employee id.
        #[arg(long)]
        employee: Option<String>,
        #[arg(long)]
        password_stdin: bool,
    },
    /// Set a new password (from stdin with --password-stdin, else generated).
    ResetPassword {
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        username: String,
        #[arg(long)]
        password_stdin: bool,
    },
    /// Create a personal API token for a user; printed once.
    CreateToken {
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        username: String,
        #[arg(long, default_value = "cli")]
        name: String,
        /// Comma-separated: read, write.
        #[arg(long, default_value = "read")]
        scopes: String,
        #[arg(long, default_value_t = 90)]
        days: u32,
    },
    /// Add a new active encryption key to the key file and rewrap every sealed value with it.
    RotateKey {
        /// Do not add a key: finish rewrapping to the current active key (after an interruption).
        #[arg(long)]
        no_rotate: bool,
        /// Then remove the keys no stored value uses any more.
        #[arg(long)]
        retire_old: bool,
    },
    /// Remove from the key file every inactive key that no stored value uses.
    RetireKeys,
    /// Purge raw locations older than location_retention_days (the punches stay).
    PurgeLocations {
        /// Only count what would be purged.
        #[arg(long)]
        dry_run: bool,
        /// Retention in days instead of the configured one.
        #[arg(long)]
        days: Option<u64>,
    },
}

#[derive(Subcommand)]
enum ExportCommand {
    /// Print a tenant's facts for a date range as a scenario file for `daka simulate`.
    Scenario {
        #[arg(long)]
        tenant: String,
        /// First attendance date, YYYY-MM-DD.
        #[arg(long)]
        from: String,
        /// Last attendance date, YYYY-MM-DD.
        #[arg(long)]
        to: String,
        /// Only these employees (repeatable); default every employee with a rule.
        #[arg(long = "employee-no")]
        employee_no: Vec<String>,
    },
}

#[derive(Subcommand)]
enum ImportCommand {
    /// A rota CSV file (employee_no,date,shift with a header line), imported whole or not at
    /// all; errors are printed FILE:LINE: field: message (exit status 2).
    Rota {
        file: PathBuf,
        #[arg(long)]
        tenant: String,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Check a tenant's hash chain; exits 1 and names the entries if it was tampered with.
    Verify {
        #[arg(long)]
        tenant: String,
    },
}

fn simulate(file: PathBuf, month: bool, pretty: bool) -> ExitCode {
    let scenario = match daka::scenario::load(&file) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    match daka::simulate::write(&scenario, month, pretty, &mut out) {
        Ok(()) => ExitCode::SUCCESS,
        // A closed pipe (e.g. `| head`) is not an error worth a message.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: writing results: {e}");
            ExitCode::FAILURE
        }
    }
}

fn runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the runtime: {e}"))
}

fn report(r: Result<(), String>) -> ExitCode {
    match r {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

async fn with_store<F, Fut>(config: Option<PathBuf>, f: F) -> Result<(), String>
where
    F: FnOnce(daka_store::Store, daka_server::Config) -> Fut,
    Fut: std::future::Future<Output = Result<(), String>>,
{
    let cfg = serve::load_config(config.as_deref())?;
    let store = serve::open_store(&cfg).await?;
    let r = f(store.clone(), cfg).await;
    store.close().await;
    r
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Simulate {
            file,
            month,
            pretty,
        } => simulate(file, month, pretty),
        Command::Openapi => match serde_json::to_string_pretty(&daka_server::openapi()) {
            Ok(s) => {
                println!("{s}");
                ExitCode::SUCCESS
            }
            Err(e) => report(Err(e.to_string())),
        },
        Command::Config {
            command: ConfigCommand::Default,
        } => {
            print!("{}", daka_server::config::EXAMPLE);
            ExitCode::SUCCESS
        }
        Command::Demo { listen, data_dir } => {
            serve::init_logging_quiet();
            report(runtime().and_then(|rt| {
                rt.block_on(async {
                    let cfg = serve::demo_config(listen, data_dir)?;
                    let store = serve::open_store(&cfg).await?;
                    daka::demo::run(store, cfg, serve::shutdown_signal()).await
                })
            }))
        }
        Command::Serve { config } => {
            serve::init_logging();
            report(runtime().and_then(|rt| {
                rt.block_on(async {
                    let cfg = serve::load_config(config.as_deref())?;
                    serve::run(cfg).await
                })
            }))
        }
        Command::Admin { config, command } => report(runtime().and_then(|rt| {
            rt.block_on(with_store(config, |store, cfg| async move {
                match command {
                    AdminCommand::CreateTenant { name } => {
                        admin::create_tenant(&store, &name).await
                    }
                    AdminCommand::CreateUser {
                        tenant,
                        username,
                        role,
                        employee,
                        password_stdin,
                    } => {
                        admin::create_user(
                            &store,
                            &tenant,
                            &username,
                            &role,
                            employee.as_deref(),
                            password_stdin,
                        )
                        .await
                    }
                    AdminCommand::ResetPassword {
                        tenant,
                        username,
                        password_stdin,
                    } => admin::reset_password(&store, &tenant, &username, password_stdin).await,
                    AdminCommand::CreateToken {
                        tenant,
                        username,
                        name,
                        scopes,
                        days,
                    } => {
                        admin::create_token(&store, &tenant, &username, &name, &scopes, days).await
                    }
                    AdminCommand::RotateKey {
                        no_rotate,
                        retire_old,
                    } => keys::rotate_key(store, &cfg, no_rotate, retire_old).await,
                    AdminCommand::RetireKeys => keys::retire_keys(&store, &cfg).await,
                    AdminCommand::PurgeLocations { dry_run, days } => {
                        keys::purge_locations(&store, &cfg, days, dry_run).await
                    }
                }
            }))
        })),
        Command::Import {
            config,
            command: ImportCommand::Rota { file, tenant },
        } => {
            let r = runtime()
                .map_err(import::ImportError::Other)
                .and_then(|rt| {
                    rt.block_on(async {
                        let cfg = serve::load_config(config.as_deref())
                            .map_err(import::ImportError::Other)?;
                        let store = serve::open_store(&cfg)
                            .await
                            .map_err(import::ImportError::Other)?;
                        let r = import::rota(&store, &tenant, &file).await;
                        store.close().await;
                        r
                    })
                });
            match r {
                Ok(()) => ExitCode::SUCCESS,
                Err(import::ImportError::Rows(lines)) => {
                    for l in lines {
                        eprintln!("{l}");
                    }
                    ExitCode::from(2)
                }
                Err(import::ImportError::Other(e)) => report(Err(e)),
            }
        }
        Command::Export {
            config,
            command:
                ExportCommand::Scenario {
                    tenant,
                    from,
                    to,
                    employee_no,
                },
        } => report(runtime().and_then(|rt| {
            rt.block_on(with_store(config, |store, _| async move {
                export::scenario(&store, &tenant, &from, &to, &employee_no).await
            }))
        })),
        Command::Audit {
            config,
            command: AuditCommand::Verify { tenant },
        } => {
            let r = runtime().and_then(|rt| {
                rt.block_on(async {
                    let cfg = serve::load_config(config.as_deref())?;
                    let store = serve::open_store(&cfg).await?;
                    let ok = admin::audit_verify(&store, &tenant).await;
                    store.close().await;
                    ok
                })
            });
            match r {
                Ok(true) => ExitCode::SUCCESS,
                Ok(false) => ExitCode::from(1),
                Err(e) => report(Err(e)),
            }
        }
    }
}
