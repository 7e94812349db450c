pub mod ex01_broken;
