//! Wrong: one lock for the whole bank, a GIL by another name.
use std::sync::Mutex;

#[derive(Debug)]
pub struct Bank {
    accounts: Mutex<Vec<i64>>,
}

impl Bank {
    pub fn new(balances: &[i64]) -> Self {
        Bank {
            accounts: Mutex::new(balances.to_vec()),
        }
    }

    pub fn balance(&self, id: usize) -> i64 {
        self.accounts.lock().unwrap()[id]
    }

    pub fn len(&self) -> usize {
        self.accounts.lock().unwrap().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn transfer(&self, from: usize, to: usize, amount: i64) {
        self.transfer_with(from, to, amount, || ());
    }

    pub fn transfer_with(&self, from: usize, to: usize, amount: i64, while_held: impl FnOnce()) {
        let mut accounts = self.accounts.lock().unwrap();
        accounts[from] -= amount;
        accounts[to] += amount;
        while_held();
    }
}
