-- Profiles (issue 18): a short bio beside seed 004's profile fields, edited in the Me tab.
-- Subjects are `user_profiles.expertise`; the time zone is `users.time_zone`.
ALTER TABLE user_profiles ADD COLUMN bio TEXT;
