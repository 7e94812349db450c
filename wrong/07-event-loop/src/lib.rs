pub use ch07_solution::*;
