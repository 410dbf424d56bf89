//! `gatehouse-demo`: replays a scripted day at one building through both vendor simulators and
//! prints what each PACS did (`cargo xtask demo` builds the components and runs this).

use clap::Parser;
use std::path::PathBuf;

#[derive(Parser)]
#[command(name = "gatehouse-demo", version, about = "Replay a scripted day through both vendor simulators.")]
struct Cli {
    /// Print the summary as JSON instead of text.
    #[arg(long)]
    json: bool,
    /// Where genetec.wasm and symmetry.wasm are.
    #[arg(long, default_value = "./target/components")]
    plugins_dir: PathBuf,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    // The demo's output is its summary; only warnings of our own code interrupt it.
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn,tiberius=error".into());
    tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).init();
    let summary = gatehouse_demo::run(&cli.plugins_dir).await?;
    if cli.json {
        println!("{}", serde_json::to_string_pretty(&summary)?);
    } else {
        print!("{summary}");
    }
    Ok(())
}
