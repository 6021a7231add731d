from flask.views import MethodView

from .. import db
from ..access import Action
from ..api import Blueprint
from ..people.auth import authenticate_blueprint, current_user
from ..services import services
from . import views
from .schemas import HouseholdDetailSchema, HouseholdPageSchema, HouseholdQuerySchema

blp = Blueprint("households", __name__, url_prefix="/api/v1/households", description="困难职工家庭档案（一户一档）")
authenticate_blueprint(blp, actions={("Households", "GET"): Action.BROWSE_HOUSEHOLDS,
                                    ("HouseholdItem", "GET"): Action.BROWSE_HOUSEHOLDS})


@blp.route("")
class Households(MethodView):
    @blp.arguments(HouseholdQuerySchema, location="query")
    @blp.response(200, HouseholdPageSchema)
    def get(self, args):
        """The household register the caller may read (a union: its own households), filtered and paged."""
        return views.household_page(db.session(), current_user(), args)


@blp.route("/<id:household_id>")
class HouseholdItem(MethodView):
    @blp.response(200, HouseholdDetailSchema)
    def get(self, household_id):
        """One household's file: members (masked for the role), cases, aid, visits and status changes.
        Another union's household is a 404, as a missing one."""
        return views.household_detail(db.session(), services(), current_user(), household_id)
