//! Runs your chat server (exercise 08.6) on http://127.0.0.1:8080 until Ctrl-C.
//!
//! `cargo run -p ch08-frameworks --example ch08-chat`, then open the address in two
//! browser tabs.

use ch08_frameworks::ex06_chat::{Chat, Config};

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
    println!("chat on http://127.0.0.1:8080 (Ctrl-C stops it)");
    let chat = Chat::new(Config::default());
    let stopper = chat.clone();
    tokio::spawn(async move {
        let _ = tokio::signal::ctrl_c().await;
        stopper.shutdown();
    });
    chat.serve(listener).await
}
