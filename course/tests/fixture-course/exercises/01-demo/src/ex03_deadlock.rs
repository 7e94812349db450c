pub fn wait_forever() { loop { std::thread::park(); } }
