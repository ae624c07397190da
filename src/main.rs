use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = sherpa::cli::Cli::parse();
    ExitCode::from(sherpa::cli::run(cli))
}
