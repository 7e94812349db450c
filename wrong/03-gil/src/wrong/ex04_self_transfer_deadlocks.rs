//! Wrong: orders the locks, but forgets that `from` and `to` can be the same account,
//! and locks it twice.
use std::sync::Mutex;

#[derive(Debug)]
pub struct Bank {
    accounts: Vec<Mutex<i64>>,
}

impl Bank {
    pub fn new(balances: &[i64]) -> Self {
        Bank {
            accounts: balances.iter().map(|&b| Mutex::new(b)).collect(),
        }
    }

    pub fn balance(&self, id: usize) -> i64 {
        *self.accounts[id].lock().unwrap()
    }

    pub fn len(&self) -> usize {
        self.accounts.len()
    }

    pub fn is_empty(&self) -> bool {
        self.accounts.is_empty()
    }

    pub fn transfer(&self, from: usize, to: usize, amount: i64) {
        self.transfer_with(from, to, amount, || ());
    }

    pub fn transfer_with(&self, from: usize, to: usize, amount: i64, while_held: impl FnOnce()) {
        let mut first = self.accounts[from.min(to)].lock().unwrap();
        let mut second = self.accounts[from.max(to)].lock().unwrap();
        if from < to {
            *first -= amount;
            *second += amount;
        } else {
            *second -= amount;
            *first += amount;
        }
        while_held();
    }
}
