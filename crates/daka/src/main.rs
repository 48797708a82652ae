//! `daka`: the attendance system's command-line entry point.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

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
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Simulate {
            file,
            month,
            pretty,
        } => {
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
    }
}
