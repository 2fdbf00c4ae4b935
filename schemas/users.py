"""Who is signed in: a staff member's role and unit."""

from pydantic import BaseModel

from schemas.lifecycle import Role


class StaffUser(BaseModel):
    username: str
    full_name: str
    role: Role
    unit: str
    unit_level: str


class TokenAnswer(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int
    user: StaffUser
